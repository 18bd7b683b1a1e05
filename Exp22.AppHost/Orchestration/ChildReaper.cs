using System.Diagnostics;

namespace Exp22.AppHost.Orchestration;

/// <summary>
/// Makes sure no child outlives the AppHost, however the AppHost ends (SIGKILL included). A tiny <c>sh</c>
/// reads "add PID" / "del PID" lines on a pipe from us; each child runs in its own session (started through
/// <c>setsid</c>), so PID is also its process group. When the pipe closes without the children having been
/// stopped (the kernel closes it when we die), the reaper sends SIGTERM to every group left, and SIGKILL to
/// what still runs 5 s later. INT, HUP and TERM are ignored: a Ctrl+C meant for the AppHost's terminal must
/// not reach it, since the AppHost itself stops the children in order.
/// </summary>
internal sealed class ChildReaper : IDisposable
{
    /// <summary>No comments inside: the script is the reaper's command line, shown by ps.</summary>
    private const string Script = """
        trap '' INT HUP PIPE TERM
        groups=" "
        while read -r op pid; do
          case $op in
            add) groups="$groups$pid " ;;
            del) groups=$(printf '%s' "$groups" | sed "s/ $pid / /") ;;
          esac
        done
        for g in $groups; do kill -TERM -$g 2>/dev/null; done
        i=0
        while [ $i -lt 50 ]; do
          alive=
          for g in $groups; do kill -0 -$g 2>/dev/null && alive=1; done
          [ -z "$alive" ] && exit 0
          sleep 0.1
          i=$((i+1))
        done
        for g in $groups; do kill -KILL -$g 2>/dev/null; done
        """;

    private readonly Process _process;
    private readonly Lock _gate = new();

    public ChildReaper()
    {
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", Script, "exp22-apphost-reaper" },
            UseShellExecute = false,
            RedirectStandardInput = true,
        };
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start /bin/sh for the child reaper.");
    }

    public int Pid => _process.Id;

    /// <summary>The process group <paramref name="pid"/> leads is killed if we die.</summary>
    public void Watch(int pid) => Send($"add {pid}");

    /// <summary>The group has exited: its pid may be reused, so the reaper must forget it.</summary>
    public void Forget(int pid) => Send($"del {pid}");

    /// <summary>Closes the pipe: the reaper stops what it still watches (nothing, after an orderly stop) and exits.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }
        }

        _process.WaitForExit(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private void Send(string line)
    {
        lock (_gate)
        {
            try
            {
                _process.StandardInput.WriteLine(line);
                _process.StandardInput.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The reaper is gone (the AppHost is ending): nothing left to tell it.
            }
        }
    }
}

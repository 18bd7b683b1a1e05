using System.Globalization;
using System.Diagnostics;
using Exp22.Harness.Os;

namespace Exp22.Harness.Postgres;

/// <summary>
/// A tiny <c>sh</c> between us and the postmaster, so that the server stops however its owner ends.
/// Its stdin is a pipe from the owner. The kernel closes that pipe when the owner exits, calls
/// <see cref="ReleaseServer"/>, crashes or is SIGKILLed; the guardian then reads EOF and asks the
/// postmaster for a fast shutdown (SIGINT). It reports the postmaster's exit on stdout, and removes the
/// throwaway cluster folder only once the postmaster has exited AND the owner has let go, so the owner can
/// still read the log of a server that died while starting. "Guardian exited" means "all gone".
/// </summary>
internal sealed class PostgresGuardian : IDisposable
{
    /// <summary>
    /// $1 log file, $2 folder to remove at the end ('' keeps it), then the server command.
    /// Prints the postmaster pid, later "exited STATUS" when the postmaster has exited.
    /// - INT, HUP, PIPE ignored: a Ctrl+C or hang-up meant for the owner's terminal must not end the guardian
    ///   (the owner decides when the server stops: an app host drains its services first), nor a write to a dead owner.
    /// - setsid: the server gets its own session, so the terminal's Ctrl+C does not reach it either.
    /// - The watcher subshell reads stdin (kept on fd 3: a background job's stdin is /dev/null) until EOF,
    ///   then asks for a fast shutdown. TERM to the guardian does the same.
    /// - The main shell waits for the postmaster; once it has exited, nothing may signal its pid any more (the
    ///   system may reuse it): the TERM trap is dropped, the watcher ended, and the main shell itself waits for
    ///   EOF before removing the folder.
    /// No comments inside: the script is the guardian's command line, shown by ps.
    /// </summary>
    public const string Script = """
        log=$1 cleanup=$2; shift 2
        trap '' INT HUP PIPE
        exec 3<&0
        if command -v setsid >/dev/null 2>&1; then session=setsid; else session=; fi
        $session "$@" </dev/null 3<&- >>"$log" 2>&1 &
        pm=$!
        echo "$pm"
        ( while read -r _; do :; done; kill -INT "$pm" 2>/dev/null ) <&3 &
        watcher=$!
        exec 3<&-
        trap 'kill -INT "$pm" 2>/dev/null' TERM
        status=unknown
        while kill -0 "$pm" 2>/dev/null; do wait "$pm"; status=$?; done
        trap - TERM
        kill "$watcher" 2>/dev/null
        echo "exited $status"
        while read -r _; do :; done
        if [ -n "$cleanup" ]; then rm -rf -- "$cleanup"; fi
        """;

    private const int StderrLinesKept = 50;

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();

    private Task<string?> _serverExit = Task.FromResult<string?>(null);

    private PostgresGuardian(Process process, int postmasterPid)
    {
        _process = process;
        PostmasterPid = postmasterPid;
    }

    public int Pid => _process.Id;

    public int PostmasterPid { get; }

    /// <summary>True once the postmaster has exited (the guardian may still be waiting for us to let go).</summary>
    public bool ServerHasExited => _serverExit.IsCompleted || _process.HasExited;

    /// <summary>Completes when the postmaster has exited.</summary>
    public Task ServerExit => _serverExit;

    /// <summary>What the guardian itself printed on stderr (the server writes to its log file instead).</summary>
    public string Diagnostics
    {
        get
        {
            lock (_stderr)
                return string.Join(Environment.NewLine, _stderr);
        }
    }

    /// <summary>The command line that starts a guardian: <c>sh -c SCRIPT ...</c>.</summary>
    public static IReadOnlyList<string> Command(IEnumerable<string> serverCommand, string logFile, string? removeWhenStopped) =>
        ["/bin/sh", "-c", Script, "exp22-pg-guardian", logFile, removeWhenStopped ?? "", .. serverCommand];

    public static async Task<PostgresGuardian> StartAsync(
        IEnumerable<string> serverCommand, string logFile, string? removeWhenStopped, CancellationToken ct)
    {
        var command = Command(serverCommand, logFile, removeWhenStopped);
        var startInfo = ProcessRunner.StartInfo(command[0], command.Skip(1));
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;

        var process = Process.Start(startInfo) ?? throw new PostgresStartException("Could not start /bin/sh.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var firstLine = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (!int.TryParse(firstLine, CultureInfo.InvariantCulture, out var postmasterPid))
                throw new PostgresStartException(
                    $"The PostgreSQL guardian did not report the server's pid (got '{firstLine}'): {await process.StandardError.ReadToEndAsync(ct)}");

            var guardian = new PostgresGuardian(process, postmasterPid);
            // The next line is "exited STATUS"; end of stream means the guardian itself is gone.
            guardian._serverExit = process.StandardOutput.ReadLineAsync(CancellationToken.None).AsTask();
            process.ErrorDataReceived += (_, e) => guardian.Remember(e.Data);
            process.BeginErrorReadLine();
            return guardian;
        }
        catch
        {
            ProcessRunner.TryKill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Closes our end of the guardian's stdin: exactly what the kernel does when we die.</summary>
    public void ReleaseServer()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The guardian is already gone.
        }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Kill() => ProcessRunner.TryKill(_process);

    public void Dispose() => _process.Dispose();

    private void Remember(string? line)
    {
        if (line is null)
            return;
        lock (_stderr)
        {
            _stderr.Enqueue(line);
            while (_stderr.Count > StderrLinesKept)
                _stderr.Dequeue();
        }
    }
}

using System.Runtime.InteropServices;

namespace Exp22.Harness.Os;

/// <summary>The few libc calls .NET does not expose: the effective uid and sending a signal other than SIGKILL.</summary>
public static class Posix
{
    public const int SigInt = 2;
    public const int SigQuit = 3;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public static bool IsRoot { get; } = DetectRoot();

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone or not ours.</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && kill(pid, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to every process of the group <paramref name="processGroup"/> leads.</summary>
    public static bool SignalGroup(int processGroup, int signal) => processGroup > 0 && kill(-processGroup, signal) == 0;

    private static bool DetectRoot()
    {
        try
        {
            return geteuid() == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Environment.UserName == "root";
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

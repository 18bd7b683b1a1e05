using System.Globalization;
namespace Exp22.Tests.Infrastructure;

/// <summary>What /proc says about processes: tests check real pids, not the launcher's own bookkeeping.</summary>
public static class ProcFs
{
    /// <summary>True while the process exists and is not a zombie (a zombie has exited; only its parent has not reaped it).</summary>
    public static bool IsRunning(int pid)
    {
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State != 'Z';
    }

    /// <summary>The running children of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> ChildrenOf(int pid) =>
        Directory.EnumerateDirectories("/proc")
            .Select(path => int.TryParse(Path.GetFileName(path), CultureInfo.InvariantCulture, out var child) ? child : 0)
            .Where(child => child > 0 && ReadStat(child) is { State: not 'Z' } stat && stat.ParentPid == pid)
            .ToList();

    /// <summary>The running descendants of <paramref name="pid"/>: its children, theirs, and so on.</summary>
    public static IReadOnlyList<int> DescendantsOf(int pid)
    {
        var found = new List<int>();
        var next = new Queue<int>([pid]);
        while (next.TryDequeue(out var parent))
        {
            foreach (var child in ChildrenOf(parent))
            {
                found.Add(child);
                next.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>The process's command line (arguments joined by spaces), or "" when it is gone.</summary>
    public static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Running processes whose command line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<int> WithCommandLineContaining(string text) =>
        Directory.EnumerateDirectories("/proc")
            .Select(path => int.TryParse(Path.GetFileName(path), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && IsRunning(pid) && CommandLineOf(pid).Contains(text, StringComparison.Ordinal))
            .ToList();

    /// <summary>The real uid the process runs as, or null when it is gone.</summary>
    public static int? UidOf(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Waits until none of <paramref name="pids"/> runs; returns those still running at the deadline.</summary>
    public static async Task<IReadOnlyList<int>> WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var watched = pids.ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var running = watched.Where(IsRunning).ToList();
            if (running.Count == 0 || DateTime.UtcNow >= deadline)
                return running;
            await Task.Delay(50);
        }
    }

    private static (char State, int ParentPid)? ReadStat(int pid)
    {
        try
        {
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

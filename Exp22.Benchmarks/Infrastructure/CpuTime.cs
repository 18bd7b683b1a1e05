using System.Globalization;
namespace Exp22.Benchmarks.Infrastructure;

/// <summary>CPU seconds (user + system) a process has used, from /proc/&lt;pid&gt;/stat.</summary>
public static class CpuTime
{
    // USER_HZ: 100 on every Linux the launcher supports.
    private const double TicksPerSecond = 100;

    public static double Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is field 0, utime field 11, stime field 12.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>The CPU seconds of <paramref name="pid"/>'s live children (PostgreSQL's backends when given the postmaster).</summary>
    public static double OfChildren(int pid) =>
        Directory.EnumerateDirectories("/proc")
            .Select(path => int.TryParse(Path.GetFileName(path), CultureInfo.InvariantCulture, out var child) ? child : 0)
            .Where(child => child > 0 && ParentOf(child) == pid)
            .Sum(Of);

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}

namespace Exp22.Tests.Infrastructure;

/// <summary>A fresh folder under /tmp, removed on dispose. /tmp rather than TMPDIR: as root, the server's postgres user must be able to reach it.</summary>
public sealed class TestFolder : IDisposable
{
    public TestFolder()
    {
        Path = System.IO.Path.Combine("/tmp", "exp22-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

namespace Exp22.Harness.Os;

public static class DirectoryTree
{
    /// <summary>Deletes a directory and everything under it; one already gone is not an error.</summary>
    public static void Delete(string? directory)
    {
        if (directory is null)
            return;
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Removed already (by PostgreSQL's guardian, for one).
        }
    }
}

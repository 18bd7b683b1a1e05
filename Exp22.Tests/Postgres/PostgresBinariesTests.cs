using Exp22.Harness.Postgres;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.Postgres;

public sealed class PostgresBinariesTests
{
    [Fact]
    public void Missing_binaries_name_the_debian_package_to_install()
    {
        using var folder = new TestFolder();

        var error = Assert.Throws<PostgresNotFoundException>(
            () => PostgresBinaries.Find(Path.Combine(folder.Path, "bin"), [Path.Combine(folder.Path, "lib")]));

        Assert.Contains("apt-get install -y postgresql", error.Message);
    }

    [Fact]
    public void The_newest_complete_major_version_wins()
    {
        using var folder = new TestFolder();
        var root = Path.Combine(folder.Path, "postgresql");
        FakeBinaries(Path.Combine(root, "9.6", "bin"), "initdb", "postgres");
        FakeBinaries(Path.Combine(root, "15", "bin"), "initdb", "postgres");
        FakeBinaries(Path.Combine(root, "16", "bin"), "initdb"); // client-only leftovers: no server
        Directory.CreateDirectory(Path.Combine(root, "not-a-version", "bin"));

        var found = PostgresBinaries.Find(searchPath: "", [root]);

        Assert.Equal(Path.Combine(root, "15", "bin"), found.Directory);
    }

    [Fact]
    public void PATH_comes_before_the_install_roots()
    {
        using var folder = new TestFolder();
        var onPath = Path.Combine(folder.Path, "tools");
        var root = Path.Combine(folder.Path, "postgresql");
        FakeBinaries(onPath, "initdb", "postgres");
        FakeBinaries(Path.Combine(root, "17", "bin"), "initdb", "postgres");
        FakeBinaries(Path.Combine(folder.Path, "half"), "postgres");

        var found = PostgresBinaries.Find($"{Path.Combine(folder.Path, "half")}:{onPath}", [root]);

        Assert.Equal(onPath, found.Directory);
    }

    [Fact]
    public void This_machine_has_server_binaries()
    {
        var found = PostgresBinaries.Find();

        Assert.True(File.Exists(found.InitDb), found.InitDb);
        Assert.True(File.Exists(found.Postgres), found.Postgres);
    }

    private static void FakeBinaries(string directory, params string[] names)
    {
        Directory.CreateDirectory(directory);
        foreach (var name in names)
            File.WriteAllText(Path.Combine(directory, name), "");
    }
}

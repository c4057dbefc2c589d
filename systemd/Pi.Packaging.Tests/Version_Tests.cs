using System.Text.RegularExpressions;
using Pi.Protocol;

namespace Pi.Packaging.Tests;

/// <summary>One version for every part: set once in Directory.Build.props, shown by every program.</summary>
public sealed partial class Version_Tests
{
    [Fact]
    public void The_version_is_the_one_in_Directory_Build_props()
    {
        Assert.Equal(Repo.Version(), ProductVersion.Version);
        Assert.Matches(@"^\d+\.\d+\.\d+$", ProductVersion.Version);
        Assert.StartsWith(ProductVersion.Version, ProductVersion.Informational, StringComparison.Ordinal);
    }

    [Fact]
    public void A_build_from_a_git_checkout_carries_the_commit()
    {
        Assert.True(Directory.Exists(Path.Combine(Repo.Root, ".git")) || File.Exists(Path.Combine(Repo.Root, ".git")), "the tests run from a git checkout");
        Assert.NotNull(ProductVersion.Commit);
        Assert.Matches(CommitPattern(), ProductVersion.Commit);
        Assert.Equal($"{ProductVersion.Version}+{ProductVersion.Commit}", ProductVersion.Informational);
    }

    [Fact]
    public void The_version_line_and_the_request()
    {
        Assert.Equal($"Pi.Gateway {ProductVersion.Informational}", ProductVersion.Line("Pi.Gateway"));
        Assert.True(ProductVersion.IsRequested(["--version"]));
        Assert.False(ProductVersion.IsRequested([]));
        Assert.False(ProductVersion.IsRequested(["--version", "qr"]));
        Assert.False(ProductVersion.IsRequested(["qr"]));
    }

    [Theory]
    [InlineData("gateway", "Pi.Gateway")]
    [InlineData("cloud", "Pi.Cloud")]
    [InlineData("subdevice", "Pi.SubDevice")]
    public async Task Every_program_answers_version_with_the_one_version(string folder, string name)
    {
        var result = await Run.ProcessAsync(Repo.Program(folder, name), ["--version"], TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{name} {ProductVersion.Informational}", result.StdOut.Trim());
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();
}

using System.Text.RegularExpressions;
using Pi.Protocol.Errors;
using Pi.Protocol.Topics;
using ProtocolTopics = Pi.Protocol.Topics.Topics;

namespace Pi.Protocol.Tests.Spec;

/// <summary>The tables of docs/protocol.md say what the code does.</summary>
public partial class Spec_Document_Tests
{
    private static readonly string Doc = File.ReadAllText(SpecVectors.ProtocolDocPath);

    [Fact]
    public void The_error_code_table_lists_every_code_with_its_number_and_name()
    {
        var rows = ErrorRow().Matches(Doc).Select(m => (Number: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Name: m.Groups[2].Value)).ToList();
        var expected = ProtocolErrors.All.Select(code => ((int)code, ProtocolErrors.Name(code))).ToList();
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void Every_topic_in_the_code_is_in_the_spec()
    {
        string[] documented =
        [
            ProtocolTopics.GatewayUp("TID"), ProtocolTopics.GatewayDown("TID"), ProtocolTopics.GatewayAvailability("TID"),
            ProtocolTopics.DeviceUp("DID"), ProtocolTopics.DeviceDown("DID"), ProtocolTopics.DeviceHello("DID"),
            ProtocolTopics.DeviceWelcome("DID"), ProtocolTopics.DeviceAvailability("DID"),
            ProtocolTopics.BridgeState, ProtocolTopics.BridgePairing, ProtocolTopics.SharedGatewaysUp,
        ];
        foreach (var topic in documented)
        {
            var spelled = topic.Replace("TID", "{tid}", StringComparison.Ordinal).Replace("DID", "{did}", StringComparison.Ordinal);
            Assert.Contains($"`{spelled}`", Doc, StringComparison.Ordinal);
        }
        Assert.Equal(Enum.GetValues<TopicKind>().Length, documented.Length - 1);
    }

    [Fact]
    public async Task The_python_interop_check_passes_from_the_spec_alone()
    {
        var script = Path.Combine(SpecVectors.RepositoryRoot, "docs", "interop", "check_vectors.py");
        var start = new System.Diagnostics.ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(SpecVectors.ProtocolDocPath);
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("python3 is needed for the interop check; .ci/run installs python3 and python3-cryptography", ex);
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"interop check failed (exit {process.ExitCode}):\n{output}\n{await stderr}");
            Assert.Contains($"{SpecVectors.All.Count} of {SpecVectors.All.Count} vectors match", output, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"^\| (\d{3}) \| `([a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex ErrorRow();
}

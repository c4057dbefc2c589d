using System.Runtime.Versioning;
using System.Text;
using Microsoft.Extensions.Logging;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.State;

/// <summary>
/// A corrupt registration, sub-device or flags file is reported (not thrown), logged once, moved
/// aside so the next start is clean, and never quoted.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class State_File_Corruption_Tests : IDisposable
{
    private const string MovedAsideName = "registration.json.corrupt-20250314T150926535Z";
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    public static TheoryData<string, string, string> CorruptRegistrations
    {
        get
        {
            var valid = ValidRegistrationJson();
            return new TheoryData<string, string, string>
            {
                { "empty", string.Empty, "the file is empty" },
                { "half written", valid[..(valid.Length / 2)], "the file ends in the middle of its JSON" },
                { "not an object", "[\"" + Samples.Password + "\"]", "not a JSON object" },
                { "null", "null", "not a JSON object" },
                { "no version", valid.Replace("\"version\": 1,", string.Empty, StringComparison.Ordinal), "no 'version'" },
                { "newer version", valid.Replace("\"version\": 1", "\"version\": 2", StringComparison.Ordinal), "format version 2" },
                { "version as text", valid.Replace("\"version\": 1", "\"version\": \"1\"", StringComparison.Ordinal), "'version' must be a whole number" },
                { "unknown member named like a secret", valid.Replace("\"version\": 1,", "\"version\": 1, \"" + Samples.Password + "\": 1,", StringComparison.Ordinal), "member $.?" },
                { "duplicate member", valid.Replace("\"version\": 1,", "\"version\": 1, \"tid\": \"gw-9\",", StringComparison.Ordinal), "invalid JSON" },
                { "missing password", RemoveMember(valid, "password"), "a required member is missing: password" },
                { "null password", ReplaceMember(valid, "password", "null"), "$.password" },
                { "short key", ReplaceMember(valid, "accessKey", "\"AAAA\""), "a key must be 16 bytes in Base64 at line 5" },
                { "key as number", ReplaceMember(valid, "localKey", "12"), "a key must be a Base64 string at line 6" },
                { "bad tid", ReplaceMember(valid, "tid", "\"a/b\""), "'tid' must be" },
                { "bad url", ReplaceMember(valid, "cloudUrl", "\"not a url\""), "'cloudUrl' must be" },
                { "negative key id", ReplaceMember(valid, "keyId", "-1"), "$.keyId" },
                { "key id as text", ReplaceMember(valid, "keyId", "\"7\""), "$.keyId" },
                { "bad date", ReplaceMember(valid, "keyExpiresAt", "\"yesterday\""), "$.keyExpiresAt" },
                { "comment", "// " + Samples.Password + "\n" + valid, "invalid JSON" },
                { "trailing comma", valid.TrimEnd().TrimEnd('}') + ",}", "invalid JSON" },
                { "trailing garbage", valid + "x" + Samples.Password, "invalid JSON" },
                { "control character in password", ReplaceMember(valid, "password", "\"a\\u0007b-" + Samples.Password + "\""), "'password' must be" },
                { "binary", "\u0000\u0001\u0002" + Samples.Password, "invalid JSON" },
            };
        }
    }

    [Theory]
    [MemberData(nameof(CorruptRegistrations))]
    public async Task A_corrupt_registration_is_reported_logged_once_moved_aside_and_never_quoted(string name, string content, string expectedProblem)
    {
        _ = name;
        await WriteStateFileAsync("registration.json", content);

        var load = await _harness.Start().LoadRegistrationAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Corrupt, load.Status);
        Assert.Null(load.Value);
        Assert.True(load.Problem!.Contains(expectedProblem, StringComparison.Ordinal), $"the problem was: {load.Problem}");
        AssertNoSecret(load.Problem!);
        var warning = Assert.Single(_harness.Log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(2103, warning.EventId.Id);
        Assert.Contains(_harness.File("registration.json"), warning.Message, StringComparison.Ordinal);
        Assert.Contains(load.Problem!, warning.Message, StringComparison.Ordinal);
        Assert.Contains(MovedAsideName, warning.Message, StringComparison.Ordinal);
        AssertNoSecret(_harness.Log.AllText);
        Assert.Equal([MovedAsideName], _harness.FileNames());
        Assert.Equal(content, await File.ReadAllTextAsync(_harness.File(MovedAsideName)));

        var next = await _harness.Start().LoadRegistrationAsync(CancellationToken.None);
        Assert.Equal(StateFileStatus.Missing, next.Status);
        Assert.Single(_harness.Log.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Every_truncation_of_a_registration_is_corrupt_and_never_quoted()
    {
        var valid = Encoding.UTF8.GetBytes(ValidRegistrationJson());
        var problems = new HashSet<string>(StringComparer.Ordinal);

        for (var length = 0; length < valid.Length; length++)
        {
            await WriteStateFileAsync("registration.json", valid.AsMemory(0, length));

            var load = await _harness.Start().LoadRegistrationAsync(CancellationToken.None);

            Assert.True(load.Status == StateFileStatus.Corrupt, $"a file cut to {length} of {valid.Length} bytes loaded");
            AssertNoSecret(load.Problem!);
            problems.Add(load.Problem!);
            foreach (var moved in Directory.EnumerateFiles(_harness.DataDirectory, "*.corrupt-*"))
            {
                File.Delete(moved);
            }
        }

        AssertNoSecret(_harness.Log.AllText);
        Assert.Equal(valid.Length, _harness.Log.Entries.Count(e => e.EventId.Id == 2103));
        Assert.Contains("the file is empty", problems);
        Assert.All(problems.Where(p => p != "the file is empty"), p => Assert.Contains("ends in the middle of its JSON", p, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_over_the_size_bound_is_corrupt_without_being_read()
    {
        await WriteStateFileAsync("registration.json", ValidRegistrationJson() + new string(' ', 5000));

        var load = await _harness.Start(maxFileBytes: 4096).LoadRegistrationAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Corrupt, load.Status);
        Assert.Contains("more than the bound of 4096 bytes", load.Problem, StringComparison.Ordinal);
        Assert.Equal([MovedAsideName], _harness.FileNames());
    }

    [Fact]
    public async Task A_directory_in_place_of_a_file_is_corrupt_and_moved_aside()
    {
        Directory.CreateDirectory(_harness.File("registration.json"));

        var load = await _harness.Start().LoadRegistrationAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Corrupt, load.Status);
        Assert.Contains("directory", load.Problem, StringComparison.Ordinal);
        Assert.Equal([MovedAsideName], _harness.FileNames());
    }

    [Fact]
    public async Task Moving_aside_never_overwrites_an_earlier_copy()
    {
        await WriteStateFileAsync("registration.json", "{");
        await _harness.Start().LoadRegistrationAsync(CancellationToken.None);
        await WriteStateFileAsync("registration.json", "[");

        await _harness.Start().LoadRegistrationAsync(CancellationToken.None);

        Assert.Equal([MovedAsideName, MovedAsideName + "-2"], _harness.FileNames());
        Assert.Equal("{", await File.ReadAllTextAsync(_harness.File(MovedAsideName)));
        Assert.Equal("[", await File.ReadAllTextAsync(_harness.File(MovedAsideName + "-2")));
    }

    [Fact]
    public async Task Corrupt_sub_devices_load_as_an_empty_list()
    {
        await _harness.Start().SaveSubDevicesAsync(Samples.SubDevices, CancellationToken.None);
        var json = await File.ReadAllTextAsync(_harness.File("subdevices.json"));
        await WriteStateFileAsync("subdevices.json", json.Replace("sd-sensor-2", "sd-lamp-1", StringComparison.Ordinal));

        var load = await _harness.Start().LoadSubDevicesAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Corrupt, load.Status);
        Assert.Empty(load.Value!);
        Assert.Equal("'subDevices[1].did' repeats an earlier sub-device", load.Problem);
        Assert.Single(_harness.Log.Entries, e => e.EventId.Id == 2103);
        Assert.Equal(StateFileStatus.Missing, (await _harness.Start().LoadSubDevicesAsync(CancellationToken.None)).Status);
    }

    [Theory]
    [InlineData("{\"version\":1,\"subDevices\":[null]}", "'subDevices[0]' is null")]
    [InlineData("{\"version\":1,\"subDevices\":null}", "$.subDevices")]
    [InlineData("{\"version\":1}", "a required member is missing: subDevices")]
    public async Task Malformed_sub_device_lists_are_corrupt(string content, string expectedProblem)
    {
        await WriteStateFileAsync("subdevices.json", content);

        var load = await _harness.Start().LoadSubDevicesAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Corrupt, load.Status);
        Assert.Contains(expectedProblem, load.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_flags_file_reads_as_no_reset_and_is_moved_aside()
    {
        await WriteStateFileAsync("flags.json", "{\"version\":1,\"resetFlag\":\"yes\"}");

        Assert.False(await _harness.Start().LoadResetFlagAsync(CancellationToken.None));

        Assert.Single(_harness.Log.Entries, e => e.EventId.Id == 2103 && e.Message.Contains("flags.json", StringComparison.Ordinal));
        Assert.Equal(["flags.json.corrupt-20250314T150926535Z"], _harness.FileNames());
    }

    [Fact]
    public async Task Unknown_member_names_never_reach_the_problem()
    {
        Assert.Equal("$.?", StateFormat.SafePath("$.hunter2"));
        Assert.Equal("$.subDevices[3].accessKey", StateFormat.SafePath("$.subDevices[3].accessKey"));
        Assert.Equal("$.subDevices[3].?", StateFormat.SafePath("$.subDevices[3]['se.cret']"));
        Assert.Equal("$.?", StateFormat.SafePath("$\u0001garbage"));
        Assert.Null(StateFormat.SafePath("hunter2"));
        await Task.CompletedTask;
    }

    private static string ValidRegistrationJson()
    {
        using var harness = new StoreHarness();
        harness.Start().SaveRegistrationAsync(Samples.Registration(pending: Samples.Pending), CancellationToken.None).GetAwaiter().GetResult();
        return File.ReadAllText(harness.File("registration.json"));
    }

    private static string RemoveMember(string json, string member)
    {
        var lines = json.Split('\n').Where(l => !l.TrimStart().StartsWith($"\"{member}\":", StringComparison.Ordinal));
        return string.Join('\n', lines);
    }

    private static string ReplaceMember(string json, string member, string value) =>
        string.Join('\n', json.Split('\n').Select(l =>
            l.TrimStart().StartsWith($"\"{member}\":", StringComparison.Ordinal)
                ? $"  \"{member}\": {value}{(l.TrimEnd().EndsWith(',') ? "," : string.Empty)}"
                : l));

    private Task WriteStateFileAsync(string name, string content) => WriteStateFileAsync(name, Encoding.UTF8.GetBytes(content));

    private async Task WriteStateFileAsync(string name, ReadOnlyMemory<byte> content)
    {
        Directory.CreateDirectory(_harness.DataDirectory, (UnixFileMode)0b111_000_000);
        await File.WriteAllBytesAsync(_harness.File(name), content.ToArray());
        File.SetUnixFileMode(_harness.File(name), AtomicFile.PrivateFileMode);
    }

    private static void AssertNoSecret(string text)
    {
        foreach (var secret in Samples.SecretTexts())
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }
}

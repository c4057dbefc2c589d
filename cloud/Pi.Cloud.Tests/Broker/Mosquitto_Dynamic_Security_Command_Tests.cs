using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pi.Cloud.Broker;

namespace Pi.Cloud.Tests.Broker;

/// <summary>The dynamic-security commands and the correlation of their answers, without a broker.</summary>
public sealed class Mosquitto_Dynamic_Security_Command_Tests
{
    private readonly List<string> _sent = [];
    private readonly FakeTimeProvider _time = new();
    private readonly MosquittoDynamicSecurity _security;

    public Mosquitto_Dynamic_Security_Command_Tests()
    {
        _security = new MosquittoDynamicSecurity(
            (payload, _) =>
            {
                _sent.Add(Encoding.UTF8.GetString(payload.Span));
                return Task.CompletedTask;
            },
            _time,
            TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Admit_replaces_the_client_and_its_role_with_exactly_the_gateways_own_topics()
    {
        var admit = _security.AdmitAsync("gw-7", "s3cret+/=", CancellationToken.None);

        var commands = Commands(Assert.Single(_sent));
        Assert.Equal(["deleteClient", "deleteRole", "createRole", "createClient"], commands.Select(c => c.GetProperty("command").GetString()));
        Assert.Equal("gw-7", commands[0].GetProperty("username").GetString());
        Assert.Equal("pi-gw-gw-7", commands[1].GetProperty("rolename").GetString());
        Assert.Equal("pi-gw-gw-7", commands[2].GetProperty("rolename").GetString());
        var acls = commands[2].GetProperty("acls").EnumerateArray()
            .Select(a => (a.GetProperty("acltype").GetString(), a.GetProperty("topic").GetString(), a.GetProperty("allow").GetBoolean()));
        Assert.Equal(
            [("publishClientSend", "pi/v2/gw/gw-7/up", true), ("publishClientSend", "pi/v2/gw/gw-7/availability", true), ("subscribeLiteral", "pi/v2/gw/gw-7/down", true)],
            acls);
        Assert.Equal("gw-7", commands[3].GetProperty("username").GetString());
        Assert.Equal("s3cret+/=", commands[3].GetProperty("password").GetString());
        Assert.Equal("pi-gw-gw-7", Assert.Single(commands[3].GetProperty("roles").EnumerateArray()).GetProperty("rolename").GetString());

        Assert.True(_security.OnResponse(Answer(commands, ("deleteClient", "Client not found"), ("deleteRole", "Role not found"))));
        await admit;
        Assert.Equal(0, _security.PendingCount);
    }

    [Fact]
    public async Task Evict_deletes_the_client_and_the_role_and_tolerates_their_absence()
    {
        var evict = _security.EvictAsync("gw-7", CancellationToken.None);

        var commands = Commands(Assert.Single(_sent));
        Assert.Equal(["deleteClient", "deleteRole"], commands.Select(c => c.GetProperty("command").GetString()));
        Assert.True(_security.OnResponse(Answer(commands, ("deleteClient", "Client not found"), ("deleteRole", "Role not found"))));
        await evict;
    }

    [Fact]
    public async Task A_refusal_names_the_command_and_the_gateway_but_not_the_password()
    {
        var admit = _security.AdmitAsync("gw-7", "s3cret", CancellationToken.None);
        var commands = Commands(Assert.Single(_sent));

        Assert.True(_security.OnResponse(Answer(commands, ("createClient", "Invalid/missing password"))));

        var error = await Assert.ThrowsAsync<DynamicSecurityException>(() => admit);
        Assert.Contains("createClient", error.Message, StringComparison.Ordinal);
        Assert.Contains("gw-7", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_to_other_workers_and_garbage_are_not_taken()
    {
        var admit = _security.AdmitAsync("gw-7", "s3cret", CancellationToken.None);
        var commands = Commands(Assert.Single(_sent));

        Assert.False(_security.OnResponse(Bytes("""{"responses":[{"command":"deleteClient","correlationData":"someone-else:0"}]}""")));
        Assert.False(_security.OnResponse(Bytes("""{"responses":[{"command":"deleteClient"}]}""")));
        Assert.False(_security.OnResponse(Bytes("not json")));
        Assert.False(_security.OnResponse(Bytes("""{"nothing":1}""")));
        Assert.False(admit.IsCompleted);

        Assert.True(_security.OnResponse(Answer(commands)));
        await admit;
    }

    [Fact]
    public async Task Without_an_answer_it_gives_up_after_the_timeout_with_a_clear_error()
    {
        var admit = _security.AdmitAsync("gw-7", "s3cret", CancellationToken.None);
        Assert.Single(_sent);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(admit.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => admit);
        Assert.Contains("'admit' of gateway gw-7 within 10 s", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _security.PendingCount);
    }

    [Fact]
    public async Task The_callers_cancellation_is_a_cancellation_not_a_timeout()
    {
        using var cancel = new CancellationTokenSource();
        var evict = _security.EvictAsync("gw-7", cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => evict);
        Assert.Equal(0, _security.PendingCount);
    }

    private static JsonElement[] Commands(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("commands").EnumerateArray().ToArray();

    /// <summary>The plugin's answer to <paramref name="commands"/>: success unless an error is given for a command.</summary>
    private static ReadOnlySequence<byte> Answer(JsonElement[] commands, params (string Command, string Error)[] errors)
    {
        var responses = commands.Select(c =>
        {
            var name = c.GetProperty("command").GetString()!;
            var error = errors.FirstOrDefault(e => e.Command == name).Error;
            return error is null
                ? (object)new { command = name, correlationData = c.GetProperty("correlationData").GetString() }
                : new { command = name, error, correlationData = c.GetProperty("correlationData").GetString() };
        });
        return new ReadOnlySequence<byte>(JsonSerializer.SerializeToUtf8Bytes(new { responses }));
    }

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.UTF8.GetBytes(text));
}

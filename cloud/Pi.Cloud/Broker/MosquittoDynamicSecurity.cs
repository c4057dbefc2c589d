using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Broker;

/// <summary>
/// Gateway credentials and ACLs on Mosquitto 2 through its dynamic-security plugin: JSON commands
/// published to <c>$CONTROL/dynamic-security/v1</c>, answers read from
/// <c>$CONTROL/dynamic-security/v1/response</c>. Every command carries correlation data
/// <c>{batch}:{index}</c>, so answers to other cloud workers (who see the same response topic) are
/// told apart. Knows nothing of MQTT sessions: the owner sends the bytes and feeds the answers in.
/// </summary>
/// <remarks>
/// Per gateway: a client (username = tid, password = the session token) holding one role
/// <c>pi-gw-{tid}</c> that may publish to <c>pi/v2/gw/{tid}/up</c> and <c>.../availability</c> and
/// subscribe to <c>pi/v2/gw/{tid}/down</c>; the broker's default ACL denies everything else.
/// Deleting a client makes Mosquitto disconnect every connection using it (without its will).
/// </remarks>
internal sealed class MosquittoDynamicSecurity
{
    /// <summary>Where commands go.</summary>
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";

    /// <summary>Where the plugin answers (to every subscriber).</summary>
    public const string ResponseTopic = ControlTopic + "/response";

    /// <summary>Prefix of the per-gateway role names.</summary>
    public const string GatewayRolePrefix = "pi-gw-";

    /// <summary>How long to wait for the plugin's answer unless told otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    // Errors that mean "already in the state we want" (texts of Mosquitto 2.0's plugin).
    private const string ClientNotFound = "Client not found";
    private const string RoleNotFound = "Role not found";

    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, Task> _sendAsync;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ControlAnswer[]>> _pending = new(StringComparer.Ordinal);

    /// <param name="sendAsync">Publishes one command message to <see cref="ControlTopic"/> (QoS 1); throws when it cannot.</param>
    /// <param name="timeProvider">Clock for the answer timeout.</param>
    /// <param name="timeout">How long a batch may wait for its answer, including for the send.</param>
    public MosquittoDynamicSecurity(Func<ReadOnlyMemory<byte>, CancellationToken, Task> sendAsync, TimeProvider timeProvider, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(sendAsync);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _sendAsync = sendAsync;
        _timeProvider = timeProvider;
        _timeout = timeout;
    }

    /// <summary>Batches still waiting for an answer (tests check nothing leaks).</summary>
    public int PendingCount => _pending.Count;

    /// <summary>The role that holds a gateway's ACL.</summary>
    public static string GatewayRole(string tid) => GatewayRolePrefix + tid;

    /// <summary>
    /// Creates or replaces the gateway's client and role: delete both (absent is fine), create the
    /// role with its three ACLs, create the client with the password and the role. Deleting the
    /// old client closes a connection that still uses an older token.
    /// </summary>
    public Task AdmitAsync(string tid, string password, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        var role = GatewayRole(tid);
        var up = Topics.GatewayUp(tid);
        var availability = Topics.GatewayAvailability(tid);
        var down = Topics.GatewayDown(tid);
        ControlStep[] steps =
        [
            new("deleteClient", ClientNotFound, w => w.WriteString("username", tid)),
            new("deleteRole", RoleNotFound, w => w.WriteString("rolename", role)),
            new("createRole", null, w =>
            {
                w.WriteString("rolename", role);
                w.WriteString("textname", "Pi gateway " + tid);
                w.WriteStartArray("acls");
                WriteAcl(w, "publishClientSend", up);
                WriteAcl(w, "publishClientSend", availability);
                WriteAcl(w, "subscribeLiteral", down);
                w.WriteEndArray();
            }),
            new("createClient", null, w =>
            {
                w.WriteString("username", tid);
                w.WriteString("password", password);
                w.WriteString("textname", "Pi gateway " + tid);
                w.WriteStartArray("roles");
                w.WriteStartObject();
                w.WriteString("rolename", role);
                w.WriteEndObject();
                w.WriteEndArray();
            }),
        ];
        return ExecuteAsync("admit", tid, steps, cancellationToken);
    }

    /// <summary>Deletes the gateway's client (closing its connections) and its role; absent is fine.</summary>
    public Task EvictAsync(string tid, CancellationToken cancellationToken)
    {
        Pi.Protocol.Identifiers.Require(tid, "tid");
        var role = GatewayRole(tid);
        ControlStep[] steps =
        [
            new("deleteClient", ClientNotFound, w => w.WriteString("username", tid)),
            new("deleteRole", RoleNotFound, w => w.WriteString("rolename", role)),
        ];
        return ExecuteAsync("evict", tid, steps, cancellationToken);
    }

    /// <summary>
    /// One message from <see cref="ResponseTopic"/>. True when it answered a batch of this instance;
    /// false for other workers' answers and for anything that is not a well-formed answer.
    /// </summary>
    public bool OnResponse(ReadOnlySequence<byte> payload)
    {
        ControlAnswer[] answers;
        string? batch = null;
        try
        {
            using var document = JsonDocument.Parse(payload);
            if (!document.RootElement.TryGetProperty("responses", out var responses) || responses.ValueKind != JsonValueKind.Array)
            {
                return false;
            }
            answers = new ControlAnswer[responses.GetArrayLength()];
            var i = 0;
            foreach (var response in responses.EnumerateArray())
            {
                var correlation = response.TryGetProperty("correlationData", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                var separator = correlation?.LastIndexOf(':') ?? -1;
                if (correlation is null || separator <= 0
                    || !int.TryParse(correlation.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return false;
                }
                var answerBatch = correlation[..separator];
                if (batch is not null && batch != answerBatch)
                {
                    return false;
                }
                batch = answerBatch;
                answers[i++] = new ControlAnswer(
                    index,
                    response.TryGetProperty("command", out var command) && command.ValueKind == JsonValueKind.String ? command.GetString() ?? "" : "",
                    response.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null);
            }
        }
        catch (JsonException)
        {
            return false;
        }
        return batch is not null && _pending.TryRemove(batch, out var waiter) && waiter.TrySetResult(answers);
    }

    private async Task ExecuteAsync(string operation, string tid, ControlStep[] steps, CancellationToken cancellationToken)
    {
        var batch = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("commands");
            for (var i = 0; i < steps.Length; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("command", steps[i].Command);
                steps[i].WriteArguments(writer);
                writer.WriteString("correlationData", batch + ":" + i.ToString(CultureInfo.InvariantCulture));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var waiter = new TaskCompletionSource<ControlAnswer[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[batch] = waiter;
        using var timeout = new CancellationTokenSource(_timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        ControlAnswer[] answers;
        try
        {
            await _sendAsync(buffer.WrittenMemory, linked.Token).ConfigureAwait(false);
            answers = await waiter.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"No answer from the broker's dynamic-security plugin to '{operation}' of gateway {tid} within "
                + $"{_timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s. Is the cloud connected to the broker, does the broker "
                + $"load mosquitto_dynamic_security.so, and may the cloud's user publish to {ControlTopic} and receive {ResponseTopic} "
                + "(publishClientReceive)? See docs/broker.md.");
        }
        finally
        {
            _pending.TryRemove(batch, out _);
            // The buffer held the session token: do not leave it to the garbage collector.
            buffer.Clear();
        }

        foreach (var answer in answers)
        {
            if ((uint)answer.Index >= (uint)steps.Length)
            {
                throw new DynamicSecurityException($"The dynamic-security plugin answered '{operation}' of gateway {tid} with an unknown step {answer.Index}.");
            }
            var step = steps[answer.Index];
            if (answer.Error is not null && answer.Error != step.ToleratedError)
            {
                throw new DynamicSecurityException($"The dynamic-security plugin refused {step.Command} during '{operation}' of gateway {tid}: {answer.Error}.");
            }
        }
        if (answers.Length != steps.Length)
        {
            throw new DynamicSecurityException($"The dynamic-security plugin answered {answers.Length} of {steps.Length} commands of '{operation}' of gateway {tid}.");
        }
    }

    private static void WriteAcl(Utf8JsonWriter writer, string type, string topic)
    {
        writer.WriteStartObject();
        writer.WriteString("acltype", type);
        writer.WriteString("topic", topic);
        writer.WriteBoolean("allow", true);
        writer.WriteEndObject();
    }

    private sealed record ControlStep(string Command, string? ToleratedError, Action<Utf8JsonWriter> WriteArguments);

    private readonly record struct ControlAnswer(int Index, string Command, string? Error);
}

/// <summary>
/// The broker's dynamic-security plugin refused a command, or the cloud may not send it. The
/// message names the command and the gateway, never a password.
/// </summary>
public sealed class DynamicSecurityException : Exception
{
    public DynamicSecurityException()
    {
    }

    public DynamicSecurityException(string message)
        : base(message)
    {
    }

    public DynamicSecurityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

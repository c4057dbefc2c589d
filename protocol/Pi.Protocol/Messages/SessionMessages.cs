using System.Text.Json;
using System.Text.Json.Serialization;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Messages;

/// <summary>
/// A message on a session channel (gateway and cloud under the sessionkey, sub-device and gateway
/// under a link key). The JSON object's <c>type</c> member says which one. Every message that
/// expects an answer carries a transaction id (<c>txn</c>) that the answer repeats.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SessionRequest), "request")]
[JsonDerivedType(typeof(SessionResponse), "response")]
[JsonDerivedType(typeof(ResetUnbind), "resetUnbind")]
[JsonDerivedType(typeof(ResetUnbindResult), "resetUnbindResult")]
[JsonDerivedType(typeof(SubDeviceAdded), "subDeviceAdded")]
[JsonDerivedType(typeof(SubDeviceRemoved), "subDeviceRemoved")]
[JsonDerivedType(typeof(KeyRotation), "keyRotation")]
[JsonDerivedType(typeof(KeyRotationAck), "keyRotationAck")]
[JsonDerivedType(typeof(Ack), "ack")]
[JsonDerivedType(typeof(Logout), "logout")]
[JsonDerivedType(typeof(SessionError), "error")]
public abstract record SessionMessage : IProtocolMessage
{
    /// <summary>Longest transaction id.</summary>
    public const int MaxTxnLength = 64;

    /// <inheritdoc />
    public abstract void Validate();

    private protected static void CheckTxn(string? txn)
    {
        Check.Present(txn, "txn");
        if (!Identifiers.IsValid(txn.AsSpan()))
        {
            throw Check.Invalid("txn", $"must be 1 to {MaxTxnLength} characters of [A-Za-z0-9_-]");
        }
    }

    private protected static void CheckJson(JsonElement? value, string field)
    {
        if (value is not { } element)
        {
            return;
        }
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            throw Check.Invalid(field, "is not a JSON value");
        }
        // A JsonElement keeps its strings escaped, so "\ud800" (a lone surrogate) would pass the
        // decoder and only fail when the message is encoded again or read. Unescape every string
        // and member name now, so such a value is refused where it arrives.
        try
        {
            CheckStrings(element);
        }
        catch (InvalidOperationException)
        {
            throw Check.Invalid(field, "contains a string that is not valid Unicode");
        }
    }

    private static void CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    _ = member.Name;
                    CheckStrings(member.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CheckStrings(item);
                }
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            default:
                break;
        }
    }
}

/// <summary>
/// S402/H160: a command for the gateway (no <see cref="Did"/>) or one of its sub-devices, such as a
/// remote control command. <see cref="Command"/> is a short name; <see cref="Args"/> is free JSON.
/// </summary>
public sealed record SessionRequest(string Txn, string Command, string? Did = null, JsonElement? Args = null) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Text(Command, "command", 1, 64);
        if (Did is not null)
        {
            Check.Id(Did, "did");
        }
        CheckJson(Args, "args");
    }
}

/// <summary>The answer to a <see cref="SessionRequest"/>: a result, or an <see cref="Error"/>.</summary>
public sealed record SessionResponse(string Txn, bool Ok, JsonElement? Result = null, ErrorInfo? Error = null) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        CheckJson(Result, "result");
        if (Ok == (Error is not null))
        {
            throw Check.Invalid("error", "is required when ok is false and absent when it is true");
        }
        Error?.Validate();
    }
}

/// <summary>A stable error code and a message for people.</summary>
public sealed record ErrorInfo(ProtocolErrorCode Code, string Message) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate()
    {
        Check.Defined(Code, "code");
        Check.Text(Message, "message", 0, 512);
    }
}

/// <summary>The gateway was reset by hand: the cloud removes every binding of it and answers.</summary>
public sealed record ResetUnbind(string Txn) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate() => CheckTxn(Txn);
}

/// <summary>The cloud removed <see cref="RemovedBindings"/> bindings.</summary>
public sealed record ResetUnbindResult(string Txn, int RemovedBindings) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Range(RemovedBindings, "removedBindings", 0, int.MaxValue);
    }
}

/// <summary>The cloud tells the gateway about a sub-device the APP registered under it (S500).</summary>
public sealed record SubDeviceAdded(string Txn, string Did, SymmetricKey AccessKey, SymmetricKey LocalKey, uint KeyId, DateTimeOffset KeyExpiresAt, string? Kind = null) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Id(Did, "did");
        Check.Key(AccessKey, "accessKey");
        Check.Key(LocalKey, "localKey");
        if (AccessKey.Equals(LocalKey))
        {
            throw Check.Invalid("localKey", "must differ from accessKey");
        }
        Check.OptionalText(Kind, "kind", 1, 64);
    }
}

/// <summary>The cloud tells the gateway to revoke a sub-device.</summary>
public sealed record SubDeviceRemoved(string Txn, string Did) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Id(Did, "did");
    }
}

/// <summary>New first key pair for the gateway; the old one stays valid until the gateway acknowledges.</summary>
public sealed record KeyRotation(string Txn, uint KeyId, SymmetricKey AccessKey, SymmetricKey LocalKey, DateTimeOffset KeyExpiresAt) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Key(AccessKey, "accessKey");
        Check.Key(LocalKey, "localKey");
        if (AccessKey.Equals(LocalKey))
        {
            throw Check.Invalid("localKey", "must differ from accessKey");
        }
    }
}

/// <summary>The gateway stored the keys of <see cref="KeyId"/>; the cloud switches to them.</summary>
public sealed record KeyRotationAck(string Txn, uint KeyId) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate() => CheckTxn(Txn);
}

/// <summary>Plain acknowledgement of a message that needs no result (subDeviceAdded, subDeviceRemoved).</summary>
public sealed record Ack(string Txn) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate() => CheckTxn(Txn);
}

/// <summary>S403: the gateway logs out; the cloud invalidates the sessionkey and answers with an ack.</summary>
public sealed record Logout(string Txn) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate() => CheckTxn(Txn);
}

/// <summary>An error, in answer to <see cref="Txn"/> when it concerns one message.</summary>
public sealed record SessionError(string? Txn, ProtocolErrorCode Code, string Message) : SessionMessage
{
    /// <summary>
    /// The decoder's constructor: <c>txn</c> is optional on the wire (docs/protocol.md, section 9) and
    /// the encoder leaves it out when null, so a missing <c>txn</c> must decode as null.
    /// </summary>
    [JsonConstructor]
    internal SessionError(ProtocolErrorCode code, string message, string? txn = null)
        : this(txn, code, message)
    {
    }

    /// <inheritdoc />
    public override void Validate()
    {
        if (Txn is not null)
        {
            CheckTxn(Txn);
        }
        Check.Defined(Code, "code");
        Check.Text(Message, "message", 0, 512);
    }
}

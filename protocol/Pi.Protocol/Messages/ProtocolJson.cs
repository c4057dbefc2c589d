using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.Protocol.Messages;

/// <summary>
/// Encodes and decodes messages as UTF-8 JSON. Decoding turns every failure into a
/// <see cref="ProtocolException"/> (malformed JSON, missing or invalid fields) and validates the
/// result; encoding validates first, so no party emits a message its peers would refuse.
/// </summary>
public static class ProtocolJson
{
    /// <summary>Encodes a provisioning message for the data region of its frame.</summary>
    public static byte[] Serialize(ProvisioningMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        return message switch
        {
            SearchDevice m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.SearchDevice),
            DeviceInfo m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.DeviceInfo),
            GetSsidList m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.GetSsidList),
            SsidList m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.SsidList),
            WifiCredentials m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.WifiCredentials),
            WifiResult m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.WifiResult),
            RegistrationInfo m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.RegistrationInfo),
            RegistrationAck m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.RegistrationAck),
            ProvisioningError m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.ProvisioningError),
            SubDeviceInfo m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.SubDeviceInfo),
            SubDeviceAck m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.SubDeviceAck),
            _ => throw new ArgumentException($"unknown provisioning message {message.GetType().Name}", nameof(message)),
        };
    }

    /// <summary>Decodes the data region of a frame of type <paramref name="type"/>.</summary>
    /// <exception cref="ProtocolException">Malformed, missing or invalid content.</exception>
    public static ProvisioningMessage DeserializeProvisioning(ProvisioningFrameType type, ReadOnlySpan<byte> utf8Json) => type switch
    {
        ProvisioningFrameType.SearchDevice => Deserialize(utf8Json, ProtocolJsonContext.Default.SearchDevice),
        ProvisioningFrameType.DeviceInfo => Deserialize(utf8Json, ProtocolJsonContext.Default.DeviceInfo),
        ProvisioningFrameType.GetSsidList => Deserialize(utf8Json, ProtocolJsonContext.Default.GetSsidList),
        ProvisioningFrameType.SsidList => Deserialize(utf8Json, ProtocolJsonContext.Default.SsidList),
        ProvisioningFrameType.WifiCredentials => Deserialize(utf8Json, ProtocolJsonContext.Default.WifiCredentials),
        ProvisioningFrameType.WifiResult => Deserialize(utf8Json, ProtocolJsonContext.Default.WifiResult),
        ProvisioningFrameType.RegistrationInfo => Deserialize(utf8Json, ProtocolJsonContext.Default.RegistrationInfo),
        ProvisioningFrameType.RegistrationAck => Deserialize(utf8Json, ProtocolJsonContext.Default.RegistrationAck),
        ProvisioningFrameType.Error => Deserialize(utf8Json, ProtocolJsonContext.Default.ProvisioningError),
        ProvisioningFrameType.SubDeviceInfo => Deserialize(utf8Json, ProtocolJsonContext.Default.SubDeviceInfo),
        ProvisioningFrameType.SubDeviceAck => Deserialize(utf8Json, ProtocolJsonContext.Default.SubDeviceAck),
        _ => throw new ProtocolException(ProtocolErrorCode.UnknownFrameType, $"frame type {(byte)type} is not defined"),
    };

    /// <summary>Encodes a session-channel message (with its <c>type</c> member).</summary>
    public static byte[] Serialize(SessionMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        return JsonSerializer.SerializeToUtf8Bytes(message, ProtocolJsonContext.Default.SessionMessage);
    }

    /// <summary>Decodes a session-channel message.</summary>
    /// <exception cref="ProtocolException">Malformed JSON, an unknown <c>type</c>, missing or invalid fields.</exception>
    public static SessionMessage DeserializeSession(ReadOnlySpan<byte> utf8Json) =>
        Deserialize(utf8Json, ProtocolJsonContext.Default.SessionMessage);

    /// <summary>
    /// Encodes any other message (login, link). A session or provisioning message whose static type
    /// binds it here (<c>Serialize(new Ack(txn))</c>) is encoded as its own overload would, so a
    /// session message always carries its <c>type</c> member.
    /// </summary>
    public static byte[] Serialize<T>(T message)
        where T : class, IProtocolMessage
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case SessionMessage session:
                return Serialize(session);
            case ProvisioningMessage provisioning:
                return Serialize(provisioning);
        }
        message.Validate();
        return JsonSerializer.SerializeToUtf8Bytes(message, TypeInfo<T>());
    }

    /// <summary>
    /// Decodes any other message (login, link). For a session message type the <c>type</c> member is
    /// read and must name <typeparamref name="T"/>.
    /// </summary>
    /// <exception cref="ProtocolException">Malformed, missing or invalid content.</exception>
    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json)
        where T : class, IProtocolMessage
    {
        if (typeof(SessionMessage).IsAssignableFrom(typeof(T)))
        {
            return DeserializeSession(utf8Json) as T
                ?? throw new ProtocolException(ProtocolErrorCode.UnexpectedMessage, $"the message is not a {typeof(T).Name}");
        }
        return Deserialize(utf8Json, TypeInfo<T>());
    }

    private static JsonTypeInfo<T> TypeInfo<T>() =>
        ProtocolJsonContext.Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
            ?? throw new ArgumentException($"{typeof(T).Name} is not a protocol message", nameof(T));

    private static T Deserialize<T>(ReadOnlySpan<byte> utf8Json, JsonTypeInfo<T> typeInfo)
        where T : class, IProtocolMessage
    {
        T? message;
        try
        {
            message = JsonSerializer.Deserialize(utf8Json, typeInfo);
        }
        catch (JsonException ex) when (ex.Message.Contains("missing required properties", StringComparison.Ordinal))
        {
            // The runtime's text names the missing members and never echoes input values.
            throw new ProtocolException(ProtocolErrorCode.MissingField, $"{typeof(T).Name}: {ex.Message}", ex);
        }
        catch (JsonException ex) when (ex.Message.Contains("null values", StringComparison.Ordinal))
        {
            // A null where the C# type is not nullable (RespectNullableAnnotations): the runtime names
            // the member; the path names it as on the wire.
            throw new ProtocolException(ProtocolErrorCode.MissingField, $"{typeof(T).Name}: '{ex.Path ?? "$"}' must not be null", ex);
        }
        catch (JsonException ex)
        {
            // Never echo the runtime's message: it can quote a character of the input (a password).
            throw new ProtocolException(ProtocolErrorCode.MalformedJson, $"not a valid {typeof(T).Name} (at {ex.Path ?? "$"}, byte {ex.BytePositionInLine ?? 0})", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new ProtocolException(ProtocolErrorCode.MalformedJson, $"not a valid {typeof(T).Name} (unsupported shape)", ex);
        }
        catch (ArgumentException ex)
        {
            // Invalid UTF-8 and similar reader failures surface as ArgumentException subclasses.
            throw new ProtocolException(ProtocolErrorCode.MalformedJson, $"not valid UTF-8 JSON for {typeof(T).Name}", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new ProtocolException(ProtocolErrorCode.MalformedJson, $"not a valid {typeof(T).Name}", ex);
        }
        catch (FormatException ex)
        {
            throw new ProtocolException(ProtocolErrorCode.MalformedJson, $"not a valid {typeof(T).Name} (bad value format)", ex);
        }
        if (message is null)
        {
            throw new ProtocolException(ProtocolErrorCode.MalformedJson, $"a {typeof(T).Name} must be a JSON object, not null");
        }
        message.Validate();
        return message;
    }
}

using System.Buffers;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Tests.Properties;

/// <summary>Generators of valid messages of every type, from valid field values.</summary>
internal static class Message_Generators
{
    private static Gen<SecretString> Secret(int minBytes, int maxBytes) => Generators.Text(minBytes, maxBytes).Select(text => new SecretString(text));

    private static Gen<byte[]?> OptionalBytes(int min, int max) =>
        Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (2, Generators.Bytes(min, max).Select(bytes => (byte[]?)bytes)));

    private static Gen<T?> Optional<T>(Gen<T> gen)
        where T : class => Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(value => (T?)value)));

    public static Gen<ProvisioningMessage> Provisioning { get; } = Gen.OneOf(
        from mac in Generators.Mac
        from random in OptionalBytes(BindingHash.MinNonceSize, BindingHash.MaxNonceSize)
        select (ProvisioningMessage)new SearchDevice(mac, random),
        from ip in Generators.Ip
        from port in Gen.Choose(1, 65535)
        from joined in Gen.Elements(false, true)
        from mac in Generators.Mac
        from sn in Generators.Text(1, 64)
        from uuid in Generators.Uuid
        from reset in Gen.Elements(false, true)
        from hash in Optional(Generators.Hash)
        from product in Generators.OptionalText(1, 64)
        from firmware in Generators.OptionalText(1, 32)
        select (ProvisioningMessage)new DeviceInfo(ip, port, joined, mac, sn, uuid, reset, hash, product, firmware),
        Gen.Elements(false, true).Select(rescan => (ProvisioningMessage)new GetSsidList(rescan)),
        Gen.Frequency((5, Gen.Choose(0, 8)), (1, Gen.Choose(0, SsidList.MaxNetworks)))
            .SelectMany(count => Gen.ArrayOf(
                from ssid in Generators.Text(1, SsidEntry.MaxSsidBytes)
                from signal in Gen.Choose(-127, 0)
                from security in Generators.Enum<WifiSecurity>()
                select new SsidEntry(ssid, signal, security), count))
            .Select(networks => (ProvisioningMessage)new SsidList(networks)),
        from ssid in Generators.Text(1, SsidEntry.MaxSsidBytes)
        from password in Secret(0, WifiCredentials.MaxPasswordBytes)
        select (ProvisioningMessage)new WifiCredentials(ssid, password),
        from joined in Gen.Elements(false, true)
        from reason in Generators.Enum<WifiFailure>()
        from ip in Optional(Generators.Ip)
        select (ProvisioningMessage)new WifiResult(joined, joined ? null : reason, ip),
        from tid in Generators.Id
        from password in Secret(16, 128)
        from keys in Generators.KeyPair
        from keyId in Generators.UInt
        from keyExpires in Generators.Moment
        from serviceExpires in Generators.Moment
        from cloud in Optional(Generators.HttpUrl)
        select (ProvisioningMessage)new RegistrationInfo(tid, password, keys.Item1, keys.Item2, keyId, keyExpires, serviceExpires, cloud),
        Generators.Id.Select(tid => (ProvisioningMessage)new RegistrationAck(tid)),
        from code in Generators.ErrorCode
        from message in Generators.Text(0, 512)
        select (ProvisioningMessage)new ProvisioningError(code, message));

    /// <summary>
    /// Small JSON values (objects, arrays, strings, numbers, literals), up to three levels deep. Not
    /// a top-level null: an absent member and <c>null</c> both decode to a null JsonElement?, so
    /// the encoding of JsonElement(null) is normalised away on the first round trip.
    /// </summary>
    public static Gen<JsonElement> Json { get; } = Gen.Sized(size => JsonOfDepth(Math.Min(3, size / 10))).Where(json => json.ValueKind != JsonValueKind.Null);

    private static Gen<JsonElement> JsonOfDepth(int depth)
    {
        var leaves = Gen.OneOf(
            Generators.Text(0, 40).Select(text => Element(writer => writer.WriteStringValue(text))),
            Gen.Choose(int.MinValue, int.MaxValue).Select(n => Element(writer => writer.WriteNumberValue(n))),
            Gen.Choose(-1000, 1000).Select(n => Element(writer => writer.WriteNumberValue(n / 8.0))),
            Gen.Elements("true", "false", "null").Select(literal => JsonDocument.Parse(literal).RootElement.Clone()));
        if (depth == 0)
        {
            return leaves;
        }
        var child = JsonOfDepth(depth - 1);
        return Gen.OneOf(
            leaves,
            Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(child, n)).Select(items => Element(writer =>
            {
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    item.WriteTo(writer);
                }
                writer.WriteEndArray();
            })),
            Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Gen.Zip(Generators.Text(0, 16), child), n)).Select(members => Element(writer =>
            {
                writer.WriteStartObject();
                foreach (var (name, value) in members.DistinctBy(member => member.Item1))
                {
                    writer.WritePropertyName(name);
                    value.WriteTo(writer);
                }
                writer.WriteEndObject();
            })));
    }

    private static Gen<string> Txn => Generators.Id;

    public static Gen<SessionMessage> Session { get; } = Gen.OneOf(
        from txn in Txn
        from command in Generators.Text(1, 64)
        from did in Generators.OptionalId
        from args in Gen.Frequency((1, Gen.Constant<JsonElement?>(null)), (2, Json.Select(json => (JsonElement?)json)))
        select (SessionMessage)new SessionRequest(txn, command, did, args),
        from txn in Txn
        from ok in Gen.Elements(false, true)
        from result in Gen.Frequency((1, Gen.Constant<JsonElement?>(null)), (2, Json.Select(json => (JsonElement?)json)))
        from code in Generators.ErrorCode
        from message in Generators.Text(0, 512)
        select (SessionMessage)new SessionResponse(txn, ok, result, ok ? null : new ErrorInfo(code, message)),
        Txn.Select(txn => (SessionMessage)new ResetUnbind(txn)),
        from txn in Txn
        from removed in Gen.Frequency((3, Gen.Choose(0, 10)), (1, Gen.Choose(0, int.MaxValue)))
        select (SessionMessage)new ResetUnbindResult(txn, removed),
        from txn in Txn
        from did in Generators.Id
        from keys in Generators.KeyPair
        from keyId in Generators.UInt
        from expires in Generators.Moment
        from kind in Generators.OptionalText(1, 64)
        select (SessionMessage)new SubDeviceAdded(txn, did, keys.Item1, keys.Item2, keyId, expires, kind),
        from txn in Txn
        from did in Generators.Id
        select (SessionMessage)new SubDeviceRemoved(txn, did),
        from txn in Txn
        from keyId in Generators.UInt
        from keys in Generators.KeyPair
        from expires in Generators.Moment
        select (SessionMessage)new KeyRotation(txn, keyId, keys.Item1, keys.Item2, expires),
        from txn in Txn
        from keyId in Generators.UInt
        select (SessionMessage)new KeyRotationAck(txn, keyId),
        Txn.Select(txn => (SessionMessage)new Ack(txn)),
        Txn.Select(txn => (SessionMessage)new Logout(txn)),
        from txn in Generators.OptionalId
        from code in Generators.ErrorCode
        from message in Generators.Text(0, 512)
        select (SessionMessage)new SessionError(txn, code, message));

    public static Gen<IProtocolMessage> LoginAndLink { get; } = Gen.OneOf(
        Generators.Id.Select(tid => (IProtocolMessage)new LoginChallengeRequest(tid)),
        from tid in Generators.Id
        from challenge in Generators.Bytes(KeyDerivation.NonceSize, KeyDerivation.NonceSize)
        from expires in Generators.Moment
        select (IProtocolMessage)new LoginChallenge(tid, challenge, expires),
        from tid in Generators.Id
        from password in Secret(16, 128)
        from challenge in Generators.Bytes(KeyDerivation.NonceSize, KeyDerivation.NonceSize)
        select (IProtocolMessage)new LoginRequest(tid, password, challenge),
        from keyId in Generators.UInt
        from key in Generators.Key
        from token in Secret(16, 256)
        from dates in Gen.Three(Generators.Moment)
        from mqtt in Optional(Generators.MqttUrl)
        select (IProtocolMessage)new LoginReply(keyId, key, token, dates.Item1, dates.Item2, dates.Item3, mqtt),
        Generators.Bytes(KeyDerivation.NonceSize, KeyDerivation.NonceSize).Select(nonce => (IProtocolMessage)new LinkHello(nonce)),
        from nonce in Generators.Bytes(KeyDerivation.NonceSize, KeyDerivation.NonceSize)
        from keyId in Generators.UInt
        select (IProtocolMessage)new LinkWelcome(nonce, keyId));

    private static JsonElement Element(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }
}

using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Xunit.Abstractions;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// ProtocolJson.DeserializeSession: mutations of every session message type (the JSON mutator
/// also swaps the <c>type</c> discriminator for other types, odd values, or removes it).
/// </summary>
public sealed class Session_Json_Mutation_Tests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_session_json_decodes_to_valid_messages_or_fails_with_a_message_code()
    {
        var mutator = new JsonMutator(Samples.Session.Select(ProtocolJson.Serialize));
        var run = new FuzzRun("ProtocolJson.DeserializeSession", output);
        var decodedTypes = new Dictionary<string, int>(StringComparer.Ordinal);
        SessionMessage? decoded = null;

        run.Run(
            Fuzz.Cases,
            (rng, index) =>
            {
                var item = mutator.Next(rng, index);
                return new FuzzCase<TypedJson>(new TypedJson("SessionMessage", item.Input), item.Description);
            },
            input =>
            {
                decoded = null;
                decoded = ProtocolJson.DeserializeSession(input.Json);
                var name = decoded.GetType().Name;
                decodedTypes[name] = decodedTypes.GetValueOrDefault(name) + 1;
                return Outcome.Success();
            },
            (_, outcome) => JsonFuzz.Judge(
                outcome,
                () => ProtocolJson.Serialize(decoded!),
                json => ProtocolJson.Serialize(ProtocolJson.DeserializeSession(json))),
            input => JsonFuzz.AllocationLimit(input.Json.Length));

        output.WriteLine($"Successful decodes per type: {string.Join(", ", decodedTypes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))}");
        Assert.Equal(12, decodedTypes.Count);
        run.AssertReached(ProtocolErrorCode.MalformedJson, ProtocolErrorCode.MissingField, ProtocolErrorCode.InvalidField, ProtocolErrorCode.InvalidId);
        run.AssertReached("ok");
    }
}

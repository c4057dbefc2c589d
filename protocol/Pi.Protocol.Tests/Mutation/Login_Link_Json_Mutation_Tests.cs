using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Xunit.Abstractions;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// ProtocolJson.Deserialize&lt;T&gt; for the login and link messages: the cases go round-robin over
/// the six types; some feed one type's JSON to another type's decoder.
/// </summary>
public sealed class Login_Link_Json_Mutation_Tests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_login_and_link_json_decodes_to_valid_messages_or_fails_with_a_message_code()
    {
        var groups = Samples.LoginAndLink.GroupBy(entry => entry.Type).ToArray();
        var mutators = groups.Select(group => new JsonMutator(group.Select(entry => entry.Json))).ToArray();
        var decoders = groups.ToDictionary(group => group.Key, group => group.First().Decode, StringComparer.Ordinal);
        var run = new FuzzRun("ProtocolJson.Deserialize<T> (login, link)", output);
        var perType = new int[groups.Length];
        IProtocolMessage? decoded = null;

        run.Run(
            Fuzz.Cases,
            (rng, index) =>
            {
                var (group, groupIndex) = JsonFuzz.RoundRobin(index, groups.Length);
                var item = mutators[group].Next(rng, groupIndex);
                var decoder = rng.Next(100) < 85 ? groups[group].Key : groups[rng.Next(groups.Length)].Key;
                perType[group]++;
                return new FuzzCase<TypedJson>(new TypedJson(decoder, item.Input), $"{groups[group].Key} {item.Description}");
            },
            input =>
            {
                decoded = null;
                decoded = decoders[input.Decoder](input.Json);
                return Outcome.Success();
            },
            (item, outcome) => JsonFuzz.Judge(
                outcome,
                () => Encode(decoded!),
                json => Encode(decoders[item.Input.Decoder](json))),
            input => JsonFuzz.AllocationLimit(input.Json.Length));

        output.WriteLine($"Cases per type: {string.Join(", ", groups.Select((g, i) => $"{g.Key} {perType[i]}"))}");
        Assert.All(perType, count => Assert.True(count >= Fuzz.Cases / groups.Length, $"a type got only {count} cases"));
        run.AssertReached(ProtocolErrorCode.MalformedJson, ProtocolErrorCode.MissingField, ProtocolErrorCode.InvalidField, ProtocolErrorCode.InvalidId);
        run.AssertReached("ok");
    }

    private static byte[] Encode(IProtocolMessage message) => message switch
    {
        LoginChallengeRequest m => ProtocolJson.Serialize(m),
        LoginChallenge m => ProtocolJson.Serialize(m),
        LoginRequest m => ProtocolJson.Serialize(m),
        LoginReply m => ProtocolJson.Serialize(m),
        LinkHello m => ProtocolJson.Serialize(m),
        LinkWelcome m => ProtocolJson.Serialize(m),
        _ => throw new ArgumentException($"not a login or link message: {message.GetType().Name}", nameof(message)),
    };
}

using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;
using Xunit.Abstractions;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// ProtocolJson.DeserializeProvisioning: the cases go round-robin over the nine frame types
/// (mutations of that type's messages); some cases feed a message to another type's decoder or
/// name an undefined frame type.
/// </summary>
public sealed class Provisioning_Json_Mutation_Tests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_provisioning_json_decodes_to_valid_messages_or_fails_with_a_message_code()
    {
        var types = Enum.GetValues<ProvisioningFrameType>();
        var mutators = types
            .Select(type => new JsonMutator(Samples.Provisioning.Where(m => m.FrameType == type).Select(ProtocolJson.Serialize)))
            .ToArray();
        var run = new FuzzRun("ProtocolJson.DeserializeProvisioning", output);
        var perType = new int[types.Length];
        ProvisioningMessage? decoded = null;

        run.Run(
            Fuzz.Cases,
            (rng, index) =>
            {
                var (group, groupIndex) = JsonFuzz.RoundRobin(index, types.Length);
                var item = mutators[group].Next(rng, groupIndex);
                var type = rng.Next(100) switch
                {
                    < 85 => types[group],
                    < 97 => types[rng.Next(types.Length)],
                    _ => (ProvisioningFrameType)(rng.Next(2) == 0 ? 0 : rng.Next(12, 256)),
                };
                perType[group]++;
                return new FuzzCase<TypedJson>(new TypedJson(type.ToString(), item.Input), $"{types[group]} {item.Description}");
            },
            input =>
            {
                decoded = null;
                decoded = ProtocolJson.DeserializeProvisioning(Enum.Parse<ProvisioningFrameType>(input.Decoder), input.Json);
                return Outcome.Success();
            },
            (item, outcome) =>
            {
                if (!outcome.IsSuccess && outcome.Code == ProtocolErrorCode.UnknownFrameType)
                {
                    return Enum.IsDefined(Enum.Parse<ProvisioningFrameType>(item.Input.Decoder)) ? "unknown_frame_type for a defined type" : null;
                }
                return JsonFuzz.Judge(
                    outcome,
                    () => ProtocolJson.Serialize(decoded!),
                    json => ProtocolJson.Serialize(ProtocolJson.DeserializeProvisioning(decoded!.FrameType, json)));
            },
            input => JsonFuzz.AllocationLimit(input.Json.Length));

        output.WriteLine($"Cases per frame type: {string.Join(", ", types.Select((t, i) => $"{t} {perType[i]}"))}");
        Assert.All(perType, count => Assert.True(count >= Fuzz.Cases / types.Length, $"a frame type got only {count} cases"));
        run.AssertReached(ProtocolErrorCode.MalformedJson, ProtocolErrorCode.MissingField, ProtocolErrorCode.InvalidField, ProtocolErrorCode.InvalidId, ProtocolErrorCode.UnknownFrameType);
        run.AssertReached("ok");
    }
}

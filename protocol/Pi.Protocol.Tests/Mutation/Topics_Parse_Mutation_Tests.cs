using System.Text.RegularExpressions;
using Pi.Protocol.Topics;
using Xunit.Abstractions;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// Topics.Parse (the brokers' ACL) against a regular expression of the topic table: it returns an
/// address exactly for the protocol's topics, and that address builds the same topic again.
/// </summary>
public sealed partial class Topics_Parse_Mutation_Tests(ITestOutputHelper output)
{
    private static readonly string[] Labels = Enum.GetNames<TopicKind>();

    [GeneratedRegex(@"\Api/v2/(?:(?<scope>gw)/(?<id>[A-Za-z0-9_-]{1,64})/(?<leaf>up|down|availability)|(?<scope>dev)/(?<id>[A-Za-z0-9_-]{1,64})/(?<leaf>up|down|hello|welcome|availability)|(?<scope>bridge)/(?<leaf>state|pairing))\z", RegexOptions.CultureInvariant)]
    private static partial Regex TopicModel();

    [Fact]
    public void Mutated_topics_parse_exactly_when_the_model_matches_and_build_back_to_the_same_topic()
    {
        string[] ids = ["gw-0001_A", "x", new string('Z', 64), "sub-42"];
        var corpus = new List<string> { Pi.Protocol.Topics.Topics.BridgeState, Pi.Protocol.Topics.Topics.BridgePairing };
        foreach (var id in ids)
        {
            corpus.AddRange(
            [
                Pi.Protocol.Topics.Topics.GatewayUp(id), Pi.Protocol.Topics.Topics.GatewayDown(id), Pi.Protocol.Topics.Topics.GatewayAvailability(id),
                Pi.Protocol.Topics.Topics.DeviceUp(id), Pi.Protocol.Topics.Topics.DeviceDown(id), Pi.Protocol.Topics.Topics.DeviceHello(id),
                Pi.Protocol.Topics.Topics.DeviceWelcome(id), Pi.Protocol.Topics.Topics.DeviceAvailability(id),
            ]);
        }
        var mutator = new TextMutator(corpus, "pi/v2gwdevbridgestatepairingupdownhelloavailabilitywelcomeAZaz09_-/+#", longLength: 129);
        var run = new FuzzRun("Topics.Parse", output);
        TopicAddress? parsed = null;

        run.Run(
            Fuzz.Cases,
            (rng, index) => rng.Next(1000) switch
            {
                0 => new FuzzCase<string>(null!, "null"),
                < 20 => new FuzzCase<string>(corpus[rng.Next(corpus.Count)], "unchanged"),
                _ => mutator.Next(rng, index),
            },
            topic =>
            {
                parsed = Pi.Protocol.Topics.Topics.Parse(topic);
                return parsed is { } address ? Outcome.Success(Labels[(int)address.Kind]) : Outcome.Success("null");
            },
            (item, _) => Judge(item.Input, parsed),
            _ => 4_096);

        run.AssertReached([.. Enum.GetNames<TopicKind>(), "null"]);
    }

    private static string? Judge(string? topic, TopicAddress? parsed)
    {
        var match = topic is null || topic.Length > 128 ? null : TopicModel().Match(topic);
        if (match is not { Success: true })
        {
            return parsed is null ? null : $"parsed as {parsed}, but the model does not match";
        }
        if (parsed is not { } address)
        {
            return "the model matches, but Parse returned null";
        }
        var id = match.Groups["id"].Success ? match.Groups["id"].Value : null;
        if (address.Id != id)
        {
            return $"id {address.Id} differs from the model's {id}";
        }
        var rebuilt = address.Kind switch
        {
            TopicKind.GatewayUp => Pi.Protocol.Topics.Topics.GatewayUp(id!),
            TopicKind.GatewayDown => Pi.Protocol.Topics.Topics.GatewayDown(id!),
            TopicKind.GatewayAvailability => Pi.Protocol.Topics.Topics.GatewayAvailability(id!),
            TopicKind.DeviceUp => Pi.Protocol.Topics.Topics.DeviceUp(id!),
            TopicKind.DeviceDown => Pi.Protocol.Topics.Topics.DeviceDown(id!),
            TopicKind.DeviceHello => Pi.Protocol.Topics.Topics.DeviceHello(id!),
            TopicKind.DeviceWelcome => Pi.Protocol.Topics.Topics.DeviceWelcome(id!),
            TopicKind.DeviceAvailability => Pi.Protocol.Topics.Topics.DeviceAvailability(id!),
            TopicKind.BridgeState => Pi.Protocol.Topics.Topics.BridgeState,
            TopicKind.BridgePairing => Pi.Protocol.Topics.Topics.BridgePairing,
            _ => null,
        };
        return rebuilt == topic ? null : $"{address} builds {rebuilt}, not the parsed topic";
    }
}

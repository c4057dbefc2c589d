using System.Globalization;

namespace Pi.BridgeBench;

/// <summary>The command line of the harness (see <see cref="Usage"/>).</summary>
public sealed record BridgeBenchOptions
{
    public const string Usage = """
        Pi.BridgeBench: N MQTT publishers through a bridge (Mosquitto's, or the Pi gateway's) to a cloud-side consumer.

          dotnet run -c Release --project bench/Pi.BridgeBench -- [options]

          --target mosquitto|pi|both  system under test (default mosquitto; both = mosquitto then pi, with ratios)
          --publishers N              publishing clients (default 50)
          --messages N                messages in total, spread evenly over the publishers (default 200000)
          --payload BYTES             payload size, at least 24 (default 256)
          --idle N                    extra connected-but-silent clients (default 0)
          --qos 0|1|2                 QoS of publishes, bridge and subscription (default 1)
          --inflight N                unacknowledged publishes per publisher (default 16)
          --warmup N                  delivered messages before the measurement window opens (default 5000)
          --relay-window N            pi target: relays in flight between gateway and cloud (default 4; 1 = one at a time)
          --drain-timeout SECONDS     give up waiting for deliveries after this long without one (default 10)
          --json PATH                 also write the results as JSON
          --mosquitto PATH            mosquitto executable (default: /usr/sbin/mosquitto or PATH)
          --smoke                     small run for a quick check: 5 publishers x 2,000 messages, warmup 1,000
                                      (explicit options still apply)
          --help                      this text

        Exit code: 0 when every run delivered every acknowledged message exactly once; 1 on loss,
        duplicates, refused publishes or a target that failed; 2 on bad options;
        130 when cancelled (Ctrl+C).
        """;

    /// <summary>The tracker keeps 13 bytes per message (seen count, ack flag, latency): 20 million is 260 MB.</summary>
    public const long MaxMessages = 20_000_000;

    public string Target { get; init; } = "mosquitto";

    public int Publishers { get; init; } = 50;

    public long Messages { get; init; } = 200_000;

    public int PayloadSize { get; init; } = 256;

    public int IdleClients { get; init; }

    public int Qos { get; init; } = 1;

    public int InFlight { get; init; } = 16;

    public long Warmup { get; init; } = 5_000;

    /// <summary>The Pi target's <c>BridgeOptions.RelayWindow</c>.</summary>
    public int RelayWindow { get; init; } = 4;

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string? JsonPath { get; init; }

    public string? MosquittoPath { get; init; }

    public bool Smoke { get; init; }

    public bool Help { get; init; }

    /// <summary>The smoke run's settings (what <c>--smoke</c> starts from).</summary>
    public static BridgeBenchOptions SmokeDefaults { get; } = new()
    {
        Smoke = true,
        Publishers = 5,
        Messages = 10_000,
        Warmup = 1_000,
    };

    /// <summary>Parses the command line; <see cref="ArgumentException"/> with a readable message on a mistake.</summary>
    public static BridgeBenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = args.Contains("--smoke") ? SmokeDefaults : new BridgeBenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{name} needs a value.");
                }
                return args[++i];
            }
            long Number(long min, long max)
            {
                var text = Value();
                if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
                {
                    throw new ArgumentException($"{name} takes a whole number from {min} to {max}, not '{text}'.");
                }
                return value;
            }
            options = name switch
            {
                "--target" => options with { Target = Value() },
                "--publishers" => options with { Publishers = (int)Number(1, 10_000) },
                "--messages" => options with { Messages = Number(1, MaxMessages) },
                "--payload" => options with { PayloadSize = (int)Number(BenchPayload.HeaderSize, 256 * 1024) },
                "--idle" => options with { IdleClients = (int)Number(0, 100_000) },
                "--qos" => options with { Qos = (int)Number(0, 2) },
                "--inflight" => options with { InFlight = (int)Number(1, 10_000) },
                "--warmup" => options with { Warmup = Number(0, MaxMessages) },
                "--relay-window" => options with { RelayWindow = (int)Number(1, 64) },
                "--drain-timeout" => options with { DrainTimeout = TimeSpan.FromSeconds(Number(1, 3600)) },
                "--json" => options with { JsonPath = Value() },
                "--mosquitto" => options with { MosquittoPath = Value() },
                "--smoke" => options,
                "--help" or "-h" => options with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }
        if (options.Target is not ("mosquitto" or "pi" or "both"))
        {
            throw new ArgumentException($"--target is mosquitto, pi or both, not '{options.Target}'.");
        }
        if (options.Messages < options.Publishers)
        {
            throw new ArgumentException($"--messages ({options.Messages}) must be at least --publishers ({options.Publishers}).");
        }
        if (options.Warmup >= options.Messages)
        {
            throw new ArgumentException($"--warmup ({options.Warmup}) must be less than --messages ({options.Messages}).");
        }
        return options;
    }
}

using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Pi.Hil.Netns;
using Pi.Hil.Processes;

namespace Pi.Hil.Simulated;

/// <summary>
/// The cloud host (Pi.Cloud.dll) as its own process: SQLite and its development certificate in a
/// data directory that outlives a kill, so a restart is the same cloud. The fingerprint comes from
/// its start-up log line.
/// </summary>
public sealed partial class CloudProcess : ICloudControl, IAsyncDisposable
{
    private readonly string _dll;
    private readonly RigLog _log;
    private readonly NetworkNamespace? _netns;
    private readonly string _dataDirectory;
    private readonly IPAddress _address;
    private readonly int _httpPort;
    private readonly int _mqttPort;
    private RigProcess? _process;
    private HttpClient? _http;
    private int _starts;

    internal CloudProcess(string dll, RigLog log, NetworkNamespace? netns, string dataDirectory, IPAddress address, int httpPort, int mqttPort, IDictionary<string, string> settings)
    {
        _dll = dll;
        _log = log;
        _netns = netns;
        _dataDirectory = dataDirectory;
        _address = address;
        _httpPort = httpPort;
        _mqttPort = mqttPort;
        Settings = new Dictionary<string, string>(settings);
        Url = new Uri($"https://{address}:{httpPort}/");
    }

    /// <summary>Extra <c>Cloud:...</c> settings passed at each start (change them, then restart).</summary>
    public IDictionary<string, string> Settings { get; }

    /// <inheritdoc />
    public Uri Url { get; }

    /// <summary>The MQTT port of the embedded broker.</summary>
    public int MqttPort => _mqttPort;

    /// <summary>The address it listens on.</summary>
    public IPAddress Address => _address;

    /// <inheritdoc />
    public string Fingerprint { get; private set; } = "";

    /// <summary>The running process (null while killed).</summary>
    public RigProcess? Process => _process;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_process is { IsRunning: true })
        {
            throw new InvalidOperationException("the cloud is running");
        }
        List<string> args =
        [
            $"--Cloud:DataDirectory={_dataDirectory}",
            $"--Cloud:Http:Address={_address}",
            string.Create(CultureInfo.InvariantCulture, $"--Cloud:Http:Port={_httpPort}"),
            $"--Cloud:Mqtt:Address={_address}",
            string.Create(CultureInfo.InvariantCulture, $"--Cloud:Mqtt:Port={_mqttPort}"),
            "--Cloud:Verification=TrustOnFirstRegistration",
        ];
        args.AddRange(Settings.Select(s => $"--{s.Key}={s.Value}"));
        _process = RigProcess.StartDotnet($"cloud{(++_starts > 1 ? "#" + _starts : "")}", _dll, args, _log, _netns?.Name, _dataDirectory);
        var tls = await _process.WaitForLineAsync(FingerprintLine(), TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        Fingerprint = FingerprintLine().Match(tls).Groups[1].Value.Replace(":", "", StringComparison.Ordinal);
        await _process.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (_process is not null)
        {
            await _process.KillAsync().ConfigureAwait(false);
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }
    }

    /// <inheritdoc />
    public async Task<string> GetAsync(string path, CancellationToken cancellationToken)
    {
        var response = await Http.GetAsync(new Uri(Url, path), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode ? body : throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {body}");
    }

    /// <summary>An HTTP client that reaches the cloud from this process (inside the namespace when there is one), TLS pinned.</summary>
    public HttpClient Http => _http ??= CreateHttp();

    /// <summary>A Prometheus counter's value summed over the series whose labels contain <paramref name="labelFilter"/>; 0 when absent.</summary>
    public async Task<double> MetricAsync(string name, string? labelFilter, CancellationToken cancellationToken)
    {
        var text = await GetAsync("/metrics", cancellationToken).ConfigureAwait(false);
        double sum = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && (line.Length == name.Length || line[name.Length] is '{' or ' ')
                && (labelFilter is null || line.Contains(labelFilter, StringComparison.Ordinal)))
            {
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
        }
    }

    private HttpClient CreateHttp()
    {
        var pin = Convert.FromHexString(Fingerprint);
        if (_netns is not null)
        {
            return _netns.CreateHttpClient(pin);
        }
        var handler = new SocketsHttpHandler();
        NetworkNamespace.PinTls(handler, pin);
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    [GeneratedRegex("TLS: .*SHA-256 ([0-9A-F:]{95})")]
    private static partial Regex FingerprintLine();

    [GeneratedRegex("Pi Cloud ready")]
    private static partial Regex ReadyLine();
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Pi.Cloud.Http;
using Pi.Cloud.Store;
using Pi.Protocol.Crypto;

namespace Pi.Cloud.Testing;

/// <summary>
/// The real cloud host on 127.0.0.1 (real Kestrel with TLS, the real embedded MQTTnet broker,
/// a real SQLite file or PostgreSQL database), on free ports, in a temp data directory.
/// </summary>
public sealed class CloudHost : IAsyncDisposable
{
    private readonly bool _keepData;
    private string? _postgresDatabase;
    private string _store = "sqlite";
    private bool _createdDatabase;

    private CloudHost(WebApplication app, string dataDirectory, FakeTimeProvider? time, bool keepData)
    {
        App = app;
        DataDirectory = dataDirectory;
        _keepData = keepData;
        Time = time;
        Urls = app.Services.GetRequiredService<CloudUrls>();
        Store = app.Services.GetRequiredService<ICloudStore>();
        BaseAddress = new Uri(Urls.PublicUrl!);
        if (File.Exists(Path.Combine(dataDirectory, "tls", "dev-cert.pfx")))
        {
            using var certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(dataDirectory, "tls", "dev-cert.pfx"), null);
            CertificateHash = certificate.GetCertHash(HashAlgorithmName.SHA256);
        }
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public CloudUrls Urls { get; }

    public ICloudStore Store { get; }

    public Uri BaseAddress { get; }

    public FakeTimeProvider? Time { get; }

    /// <summary>SHA-256 of the host's certificate, for pinning in clients.</summary>
    public byte[]? CertificateHash { get; }

    public int MqttPort => Urls.MqttEndPoint!.Port;

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>
    /// Starts a host on the given store ("sqlite" or "postgres"). A PostgreSQL database is created
    /// unless <c>Cloud:Store:ConnectionString</c> is given. With <paramref name="keepData"/> the data
    /// directory and the PostgreSQL database it created outlive the host (see <see cref="RestartAsync"/>).
    /// </summary>
    public static async Task<CloudHost> StartAsync(string store, IDictionary<string, string?>? settings = null, FakeTimeProvider? time = null, bool keepData = false, Action<WebApplicationBuilder>? configure = null)
    {
        var dataDirectory = settings?.TryGetValue("Cloud:DataDirectory", out var given) == true && given is not null
            ? given
            : Directory.CreateTempSubdirectory("pi-cloud-test-").FullName;
        var all = new Dictionary<string, string?>
        {
            ["Cloud:DataDirectory"] = dataDirectory,
            ["Cloud:Http:Port"] = "0",
            ["Cloud:Mqtt:Port"] = "0",
            ["Cloud:Accounts:PasswordHashIterations"] = "1000",
            ["Cloud:Verification"] = "TrustOnFirstRegistration",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        string? givenConnection = null;
        var hasConnection = settings?.TryGetValue("Cloud:Store:ConnectionString", out givenConnection) == true && givenConnection is not null;
        if (store == "postgres" && !hasConnection)
        {
            all["Cloud:Store:ConnectionString"] = await PostgresServer.Shared.CreateDatabaseAsync();
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var args = all.Select(kv => $"--{kv.Key}={kv.Value}").ToArray();
        var app = CloudApp.Build(args, builder =>
        {
            if (time is not null)
            {
                builder.Services.AddSingleton<TimeProvider>(time);
            }
            configure?.Invoke(builder);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new CloudHost(app, dataDirectory, time, keepData) { _postgresDatabase = all.GetValueOrDefault("Cloud:Store:ConnectionString"), _store = store, _createdDatabase = store == "postgres" && !hasConnection };
    }

    /// <summary>An HTTP client that trusts only this host's certificate.</summary>
    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
            cert is not null && CertificateHash is not null && cert.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(CertificateHash);
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Signs up and logs in a fresh APP user.</summary>
    public async Task<AppUser> NewUserAsync(string? email = null)
    {
        email ??= $"user-{Guid.NewGuid():N}@example.test";
        var client = CreateClient();
        const string password = "correct horse battery";
        (await client.PostAsJsonAsync("/api/accounts", new { email, password })).EnsureSuccessStatusCode();
        client.Dispose();
        return await LogInAsync(email);
    }

    /// <summary>Logs an existing test user in (a new token and nonce).</summary>
    public async Task<AppUser> LogInAsync(string email)
    {
        const string password = "correct horse battery";
        var client = CreateClient();
        var login = await (await client.PostAsJsonAsync("/api/sessions", new { email, password })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<AppLoginResponse>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login!.Token);
        return new AppUser(this, client, email, login.Nonce);
    }

    /// <summary>
    /// Stops this host (started with keepData) and starts a new one on the same data directory and
    /// database, as after a cloud restart; the new one deletes them when disposed. Sessions and
    /// everything held in memory are gone; ports are new.
    /// </summary>
    public async Task<CloudHost> RestartAsync(IDictionary<string, string?>? settings = null)
    {
        if (!_keepData)
        {
            throw new InvalidOperationException("only a host started with keepData can be restarted");
        }
        await DisposeAsync();
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Cloud:DataDirectory"] = DataDirectory,
        };
        if (_store == "postgres")
        {
            all["Cloud:Store:ConnectionString"] = _postgresDatabase;
        }
        return await StartAsync(_store, all, Time);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        // A database this host created outlives it with keepData (for RestartAsync); one it was given is always dropped.
        if (_postgresDatabase is not null && !(_keepData && _createdDatabase))
        {
            await PostgresServer.Shared.DropDatabaseAsync(_postgresDatabase);
        }
        if (_keepData)
        {
            return;
        }
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A logged-in APP user and its HTTP client.</summary>
public sealed record AppUser(CloudHost Host, HttpClient Client, string Email, byte[] Nonce)
{
    /// <summary>A device as it leaves the factory: MAC, uuid, sn and verification code.</summary>
    public static (string Mac, string Uuid, string Sn, string Code) NewDevice()
    {
        var mac = string.Join(':', RandomNumberGenerator.GetBytes(6).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        return (mac, Guid.NewGuid().ToString(), "SN" + Random.Shared.Next(100000, 999999), "VC-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)));
    }

    /// <summary>Registers a device (trust on first registration) and returns what the cloud issued.</summary>
    public async Task<RegisterGatewayResponse> RegisterAsync((string Mac, string Uuid, string Sn, string Code) device, bool sendCode = true)
    {
        var response = await Client.PostAsJsonAsync("/api/gateways", new
        {
            mac = device.Mac,
            uuid = device.Uuid,
            sn = device.Sn,
            hash = BindingHash.Compute(device.Code, Nonce),
            verificationCode = sendCode ? device.Code : null,
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<RegisterGatewayResponse>())!;
    }

    /// <summary>Registers and binds a new device; returns the registration.</summary>
    public async Task<RegisterGatewayResponse> RegisterAndBindAsync()
    {
        var device = NewDevice();
        var registration = await RegisterAsync(device);
        (await BindAsync(registration.Tid, device.Code)).EnsureSuccessStatusCode();
        return registration;
    }

    public Task<HttpResponseMessage> BindAsync(string tid, string code) =>
        Client.PostAsJsonAsync($"/api/gateways/{tid}/bind", new { hash = BindingHash.Compute(code, Nonce) });
}

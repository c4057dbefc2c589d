using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pi.App.Cloud;

/// <summary>
/// The cloud's APP API over HTTPS. A certificate is accepted when it chains to a trusted root or
/// its SHA-256 is the pinned fingerprint (a cloud on its development certificate). Every failure
/// becomes a <see cref="CloudException"/> with the documented exit code.
/// </summary>
internal sealed class CloudApi : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly byte[]? _pin;
    private string? _seenFingerprint;

    public CloudApi(Uri baseAddress, string? trust, string? token, TimeSpan timeout)
    {
        _baseAddress = baseAddress;
        _pin = trust is null ? null : ParseFingerprint(trust);
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null)
            {
                return false;
            }
            var hash = certificate.GetCertHash(HashAlgorithmName.SHA256);
            _seenFingerprint = Convert.ToHexStringLower(hash);
            return errors == System.Net.Security.SslPolicyErrors.None
                || (_pin is not null && CryptographicOperations.FixedTimeEquals(_pin, hash));
        };
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>Parses a cloud URL option: an absolute https URL.</summary>
    public static Uri ParseCloudUrl(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(uri.Query))
        {
            throw new UsageException($"--cloud must be an https URL like https://host:port (got '{value}')");
        }
        return uri;
    }

    /// <summary>A SHA-256 fingerprint: 64 hex digits, colons and spaces allowed.</summary>
    public static byte[] ParseFingerprint(string value)
    {
        var hex = value.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        try
        {
            var bytes = Convert.FromHexString(hex);
            return bytes.Length == 32 ? bytes : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new UsageException("--trust must be a certificate's SHA-256 fingerprint: 64 hex digits");
        }
    }

    /// <summary>Normalised fingerprint text (lower-case hex), as stored in the session.</summary>
    public static string NormalizeFingerprint(string value) => Convert.ToHexStringLower(ParseFingerprint(value));

    public Task<T> SendAsync<TBody, T>(HttpMethod method, string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<T> answerType, CancellationToken cancellationToken) =>
        SendCoreAsync(method, path, JsonContent.Create(body, bodyType), answerType, cancellationToken);

    public Task<T> SendAsync<T>(HttpMethod method, string path, JsonTypeInfo<T> answerType, CancellationToken cancellationToken) =>
        SendCoreAsync(method, path, null, answerType, cancellationToken);

    /// <summary>A request whose answer has no body (204) or is not read.</summary>
    public async Task SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> SendCoreAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> answerType, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, content, cancellationToken).ConfigureAwait(false);
        try
        {
            var answer = await response.Content.ReadFromJsonAsync(answerType, cancellationToken).ConfigureAwait(false);
            return answer ?? throw new JsonException("empty answer");
        }
        catch (JsonException ex)
        {
            throw new CloudException(Cli.CloudError, $"the cloud's answer to {method} {path} is not what the app expects: {ex.Message}", ex);
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (FindInner<AuthenticationException>(ex) is not null)
        {
            var message = _seenFingerprint is null
                ? $"the TLS connection to {_baseAddress} failed: {FindInner<AuthenticationException>(ex)!.Message}"
                : $"the cloud's certificate is not trusted (SHA-256 {_seenFingerprint}); if this is your cloud, pass --trust {_seenFingerprint}";
            throw new CloudException(Cli.CloudUnreachable, message, ex);
        }
        catch (HttpRequestException ex)
        {
            var reason = FindInner<SocketException>(ex)?.Message ?? ex.Message;
            throw new CloudException(Cli.CloudUnreachable, $"cannot reach the cloud at {_baseAddress}: {reason}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CloudException(Cli.CloudUnreachable, $"the cloud at {_baseAddress} did not answer within {_http.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", ex);
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            throw await ToExceptionAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<CloudException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ProblemDto? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync(AppJson.Default.ProblemDto, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
        }
        catch (NotSupportedException)
        {
            // Not JSON (a proxy's page): the status says enough.
        }
        var status = (int)response.StatusCode;
        var code = problem?.Code ?? $"http_{status.ToString(CultureInfo.InvariantCulture)}";
        var detail = problem?.Detail ?? problem?.Title ?? response.ReasonPhrase ?? "no details";
        var exit = response.StatusCode switch
        {
            HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnsupportedMediaType => Cli.UsageError,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => Cli.NotAuthorized,
            HttpStatusCode.NotFound => Cli.NotFound,
            HttpStatusCode.Conflict => Cli.Conflict,
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => Cli.DeviceError,
            HttpStatusCode.TooManyRequests when code == "busy" => Cli.DeviceError,
            _ => Cli.CloudError,
        };
        var message = $"{code}: {detail}";
        if (code == "session_expired")
        {
            message += " (log in again: pi-app login)";
        }
        return new CloudException(exit, message);
    }

    private static T? FindInner<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }
        return null;
    }

    public void Dispose() => _http.Dispose();
}

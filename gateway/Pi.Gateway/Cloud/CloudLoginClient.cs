using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pi.Gateway.Core;
using Pi.Gateway.State;
using Pi.Protocol.Errors;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Cloud;

/// <summary>A login's outcome: the reply, or why not (and when to try again, if the cloud said).</summary>
public sealed record LoginAttempt(LoginReply? Reply, LoginFailureKind? Failure, string? Detail, TimeSpan? RetryAfter = null, bool UsedPendingKeys = false)
{
    /// <summary>True when logged in.</summary>
    public bool Succeeded => Reply is not null;
}

/// <summary>
/// S200-S401 over HTTPS: fetch a single-use challenge, send tid + the login request sealed under
/// the login key of the accesskey and that challenge, open the sealed reply. One attempt per call;
/// retries and backoff belong to the state machine.
/// </summary>
public sealed class CloudLoginClient
{
    private const string ChallengeHeader = "Pi-Challenge";

    private readonly HttpClient _http;

    public CloudLoginClient(HttpClient http) => _http = http;

    /// <summary>Logs in with the registration's key pair (its pending pair when <paramref name="usePendingKeys"/>).</summary>
    public async Task<LoginAttempt> LogInAsync(GatewayRegistration registration, bool usePendingKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var baseUri = new Uri(registration.CloudUrl.EndsWith('/') ? registration.CloudUrl : registration.CloudUrl + "/");
        var (keyId, accessKey) = usePendingKeys && registration.PendingKeys is { } pending
            ? (pending.KeyId, pending.AccessKey)
            : (registration.KeyId, registration.AccessKey);
        try
        {
            using var challengeRequest = new ByteArrayContent(ProtocolJson.Serialize(new LoginChallengeRequest(registration.Tid)));
            challengeRequest.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var challengeResponse = await _http.PostAsync(new Uri(baseUri, "api/gateway/login/challenge"), challengeRequest, cancellationToken).ConfigureAwait(false);
            if (!challengeResponse.IsSuccessStatusCode)
            {
                return await FailureAsync(challengeResponse, cancellationToken).ConfigureAwait(false);
            }
            var challenge = ProtocolJson.Deserialize<LoginChallenge>(await challengeResponse.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            if (!string.Equals(challenge.Tid, registration.Tid, StringComparison.Ordinal))
            {
                return new LoginAttempt(null, LoginFailureKind.Transient, "the cloud answered a challenge for another tid");
            }

            using var login = new GatewayLogin(registration.Tid, registration.Password, accessKey, keyId, challenge);
            using var body = new ByteArrayContent(login.SealRequest());
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "api/gateway/login")) { Content = body };
            request.Headers.Add(ChallengeHeader, Convert.ToBase64String(challenge.Challenge));
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return await FailureAsync(response, cancellationToken).ConfigureAwait(false);
            }
            var reply = login.OpenReply(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            return new LoginAttempt(reply, null, null, UsedPendingKeys: usePendingKeys && registration.PendingKeys is not null);
        }
        catch (HttpRequestException e)
        {
            return new LoginAttempt(null, LoginFailureKind.Transient, $"the cloud is unreachable: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new LoginAttempt(null, LoginFailureKind.Transient, "the login timed out");
        }
        catch (ProtocolException e)
        {
            // A reply that does not open or parse: not our keys' fault, so try again later.
            return new LoginAttempt(null, LoginFailureKind.Transient, $"the cloud's answer was refused: {ProtocolErrors.Name(e.Code)}");
        }
    }

    private static async Task<LoginAttempt> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var code = await ProblemCodeAsync(response, cancellationToken).ConfigureAwait(false);
        var kind = code is not null && ProtocolErrors.TryParse(code, out var parsed) ? LoginFailures.Classify(parsed) : LoginFailureKind.Transient;
        var status = (int)response.StatusCode;
        return new LoginAttempt(null, kind, $"the cloud answered {status} {code ?? response.StatusCode.ToString()}", retryAfter ?? (response.StatusCode == HttpStatusCode.TooManyRequests ? TimeSpan.FromSeconds(30) : null));
    }

    private static async Task<string?> ProblemCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (bytes.Length is 0 or > 16 * 1024)
            {
                return null;
            }
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}

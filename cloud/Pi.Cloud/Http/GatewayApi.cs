using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pi.Cloud.Login;
using Pi.Cloud.Sessions;
using Pi.Protocol.Errors;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Http;

/// <summary>
/// The gateway's HTTPS endpoints (docs/protocol.md section 8): a login challenge, the sealed
/// login, and a sealed logout for when the MQTT channel is down.
/// </summary>
public static class GatewayApi
{
    /// <summary>The header that names the challenge a login request answers (Base64, 16 bytes; not secret).</summary>
    public const string ChallengeHeader = "Pi-Challenge";

    private const string OctetStream = "application/octet-stream";

    /// <summary>Maps the gateway endpoints under <c>/api/gateway</c>.</summary>
    public static IEndpointRouteBuilder MapGatewayApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/gateway").WithTags("Gateway");

        api.MapPost("/login/challenge", (ChallengeRequest body, GatewayLoginService logins, HttpContext context) =>
        {
            var tid = body.Tid ?? throw new CloudApiException(ProtocolErrorCode.MissingField, "tid is required");
            if (logins.TryIssueChallenge(tid, AppApi.Source(context), out var challenge) is { } refused)
            {
                return Refusal(context, refused);
            }
            return Results.Bytes(ProtocolJson.Serialize(challenge!), "application/json");
        }).WithName("LoginChallenge").WithSummary("A single-use login challenge for a tid");

        api.MapPost("/login", async (HttpContext context, GatewayLoginService logins, CancellationToken ct) =>
        {
            var challenge = ReadChallenge(context);
            var body = await ReadEnvelopeAsync(context, CloudLogin.MaxLoginEnvelopeSize, ct);
            var outcome = await logins.LoginAsync(body, challenge, AppApi.Source(context), ct);
            return outcome.Reply is { } reply ? Results.Bytes(reply, OctetStream) : Refusal(context, outcome);
        }).WithName("GatewayLogin").WithSummary("Sealed login (envelope under the login key); answers a sealed loginReply");

        api.MapPost("/logout", async (HttpContext context, SessionRegistry sessions, SessionTerminator terminator, TimeProvider time, CancellationToken ct) =>
        {
            var body = await ReadEnvelopeAsync(context, 4096, ct);
            var header = Pi.Protocol.Envelopes.SessionEnvelope.ReadHeader(body.Span, 4096);
            var session = header.Tid is { } tid ? sessions.Find(tid) : null;
            if (session is null)
            {
                throw new CloudApiException(ProtocolErrorCode.SessionExpired, "no live session for this tid");
            }
            var (_, message) = session.Open(body.Span, time.GetUtcNow());
            if (message is not Logout)
            {
                throw new CloudApiException(ProtocolErrorCode.UnexpectedMessage, "only a logout is accepted here");
            }
            await terminator.EndAsync(session, "logout", ct);
            return Results.NoContent();
        }).WithName("GatewayLogout").WithSummary("Sealed logout (envelope under the sessionkey) for when MQTT is down");

        return app;
    }

    private static byte[] ReadChallenge(HttpContext context)
    {
        var value = context.Request.Headers[ChallengeHeader].ToString();
        if (value.Length == 0)
        {
            throw new CloudApiException(ProtocolErrorCode.MissingField, $"the {ChallengeHeader} header is required");
        }
        var bytes = new byte[16];
        if (!Convert.TryFromBase64String(value, bytes, out var written) || written != 16)
        {
            throw new CloudApiException(ProtocolErrorCode.InvalidEncoding, $"{ChallengeHeader} must be 16 bytes in Base64");
        }
        return bytes;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadEnvelopeAsync(HttpContext context, int maxSize, CancellationToken ct)
    {
        var request = context.Request;
        if (!string.Equals(request.ContentType, OctetStream, StringComparison.OrdinalIgnoreCase))
        {
            throw new CloudApiException(ProtocolErrorCode.MalformedJson, $"the body must be {OctetStream}", StatusCodes.Status415UnsupportedMediaType);
        }
        if (request.ContentLength > maxSize)
        {
            throw new CloudApiException(ProtocolErrorCode.FrameTooLarge, $"the envelope is larger than {maxSize} bytes", StatusCodes.Status413PayloadTooLarge);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxSize)
            {
                throw new CloudApiException(ProtocolErrorCode.FrameTooLarge, $"the envelope is larger than {maxSize} bytes", StatusCodes.Status413PayloadTooLarge);
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refusal(HttpContext context, LoginOutcome outcome)
    {
        if (outcome.RetryAfter is { } retry)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        return Problems.Result(outcome.Error ?? ProtocolErrorCode.Internal, outcome.Detail ?? "refused");
    }
}

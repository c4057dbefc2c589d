using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Cloud.Http;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Accounts;

/// <summary>
/// Bearer-token authentication for the APP API: the token from <c>Authorization: Bearer ...</c>
/// is looked up (by hash) in the store; a missing, unknown or expired token gets a 401 problem.
/// </summary>
public sealed class AppAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "Bearer";

    private const string CallerItem = "pi.caller";

    private readonly AccountService _accounts;

    public AppAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AccountService accounts)
        : base(options, logger, encoder) => _accounts = accounts;

    /// <summary>The authenticated caller of this request.</summary>
    public static AppCaller CallerOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[CallerItem] as AppCaller
            ?? throw new CloudApiException(ProtocolErrorCode.SessionExpired, "log in first", 401);
    }

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var caller = await _accounts.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted).ConfigureAwait(false);
        if (caller is null)
        {
            return AuthenticateResult.Fail("unknown or expired token");
        }
        Context.Items[CallerItem] = caller;
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, caller.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture))], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.WriteAsync(Context, ProtocolErrorCode.SessionExpired, "a valid bearer token from POST /api/sessions is required", 401).ConfigureAwait(false);
    }
}

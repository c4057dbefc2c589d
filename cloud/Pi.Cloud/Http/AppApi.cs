using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pi.Cloud.Accounts;
using Pi.Cloud.Devices;

namespace Pi.Cloud.Http;

/// <summary>The APP API (JSON over HTTPS), documented in docs/cloud-api.md and at /openapi/v1.json.</summary>
public static class AppApi
{
    /// <summary>Maps every APP endpoint under <c>/api</c>.</summary>
    public static IEndpointRouteBuilder MapAppApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("APP");

        api.MapPost("/accounts", async (CredentialsRequest body, AccountService accounts, CancellationToken ct) =>
        {
            var user = await accounts.SignUpAsync(body.Email, body.Password, ct);
            return Results.Created($"/api/accounts/{user.Id}", new AccountResponse(user.Id, user.Email));
        }).WithName("SignUp").WithSummary("Create an APP account");

        api.MapPost("/sessions", async (CredentialsRequest body, AccountService accounts, HttpContext context, CancellationToken ct) =>
        {
            var login = await accounts.LoginAsync(body.Email, body.Password, Source(context), ct);
            return Results.Ok(new AppLoginResponse(login.Token, "Bearer", login.ExpiresAt, login.Nonce));
        }).WithName("LogIn").WithSummary("Log in: a bearer token and this login's binding nonce");

        var authed = api.MapGroup("").RequireAuthorization();

        authed.MapDelete("/sessions/current", async (HttpContext context, AccountService accounts, CancellationToken ct) =>
        {
            await accounts.LogoutAsync(AppAuthenticationHandler.CallerOf(context), ct);
            return Results.NoContent();
        }).WithName("LogOut").WithSummary("End this APP login");

        authed.MapPost("/gateways", async (RegisterGatewayRequest body, HttpContext context, GatewayService gateways, CancellationToken ct) =>
            Results.Ok(await gateways.RegisterAsync(AppAuthenticationHandler.CallerOf(context), body, ct)))
            .WithName("RegisterGateway").WithSummary("Register (or re-register) a gateway on its behalf: new password and key pair");

        authed.MapGet("/gateways", async (HttpContext context, GatewayService gateways, CancellationToken ct) =>
            Results.Ok(await gateways.ListAsync(AppAuthenticationHandler.CallerOf(context), ct)))
            .WithName("ListGateways").WithSummary("My gateways: online state, sub-devices, expiry warnings");

        authed.MapGet("/gateways/{tid}", async (string tid, HttpContext context, GatewayService gateways, CancellationToken ct) =>
            Results.Ok(await gateways.GetAsync(AppAuthenticationHandler.CallerOf(context), tid, ct)))
            .WithName("GetGateway");

        authed.MapPost("/gateways/{tid}/bind", async (string tid, BindRequest body, HttpContext context, GatewayService gateways, CancellationToken ct) =>
            Results.Ok(await gateways.BindOwnerAsync(AppAuthenticationHandler.CallerOf(context), tid, body, ct)))
            .WithName("BindGateway").WithSummary("Bind (tid, hash): become the owner unless someone else is");

        authed.MapPost("/gateways/{tid}/subdevices", async (string tid, AddSubDeviceRequest? body, HttpContext context, SubDeviceService subDevices, CancellationToken ct) =>
        {
            var added = await subDevices.AddAsync(AppAuthenticationHandler.CallerOf(context), tid, body ?? new AddSubDeviceRequest(), ct);
            return Results.Created($"/api/gateways/{added.Tid}/subdevices/{added.Did}", added);
        }).WithName("AddSubDevice").WithSummary("Register a sub-device under my gateway: did and its own key pair");

        authed.MapDelete("/gateways/{tid}/subdevices/{did}", async (string tid, string did, HttpContext context, SubDeviceService subDevices, CancellationToken ct) =>
            Results.Ok(await subDevices.RemoveAsync(AppAuthenticationHandler.CallerOf(context), tid, did, ct)))
            .WithName("RemoveSubDevice").WithSummary("Remove a sub-device; the gateway revokes it");

        authed.MapPost("/gateways/{tid}/commands", async (string tid, CommandRequest body, HttpContext context, GatewayCommands commands, CancellationToken ct) =>
            Results.Ok(await commands.SendAsync(AppAuthenticationHandler.CallerOf(context), tid, body, ct)))
            .WithName("SendCommand").WithSummary("Send a command to the gateway or one of its sub-devices and wait for the reply");

        authed.MapPost("/gateways/{tid}/rotate-keys", async (string tid, HttpContext context, GatewayCommands commands, CancellationToken ct) =>
            Results.Accepted(value: await commands.RotateKeysAsync(AppAuthenticationHandler.CallerOf(context), tid, ct)))
            .WithName("RotateKeys").WithSummary("Issue a new key pair; it takes over when the gateway acknowledges");

        return app;
    }

    internal static string Source(HttpContext context) =>
        context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pi.App.Cloud;

namespace Pi.App.Commands;

/// <summary>
/// The logged-in user's gateways on the cloud: <c>gateways</c>, <c>rotate-keys</c>, <c>send</c>
/// and <c>subdevices remove</c>.
/// </summary>
internal static class GatewayCommands
{
    public static Command List(CliContext io)
    {
        var configDir = CloudOptions.ConfigDir();
        var json = CloudOptions.Json();
        var command = new Command("gateways", "List my gateways: tid, online, last seen, key expiry and warnings (key or service expiring)") { configDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = Connect(io, parse.GetValue(configDir), CloudOptions.Timeout);
            var raw = await api.SendAsync(HttpMethod.Get, "/api/gateways", AppJson.Default.JsonElement, cancellationToken).ConfigureAwait(false);
            List<GatewayDto> gateways;
            try
            {
                gateways = raw.Deserialize(AppJson.Default.ListGatewayDto) ?? [];
            }
            catch (JsonException ex)
            {
                throw new CloudException(Cli.CloudError, $"the cloud's gateway list is not what the app expects: {ex.Message}", ex);
            }
            foreach (var gateway in gateways)
            {
                foreach (var warning in gateway.Warnings ?? [])
                {
                    io.WriteWarning($"{gateway.Tid}: {warning.Code}: {warning.Message}");
                }
            }
            if (parse.GetValue(json))
            {
                io.Out.WriteLine(raw.GetRawText());
                return Cli.Success;
            }
            if (gateways.Count == 0)
            {
                io.Out.WriteLine("no gateways");
                return Cli.Success;
            }
            WriteTable(io.Out, ["TID", "ONLINE", "LAST SEEN", "KEY EXPIRY", "WARNINGS"], gateways.Select(g => new[]
            {
                g.Tid,
                g.Online ? "yes" : "no",
                g.LastSeenAt is { } seen ? Time(seen) : "never",
                g.KeyExpiresAt is { } expiry ? Time(expiry) : "-",
                g.Warnings is { Count: > 0 } w ? string.Join(',', w.Select(x => x.Code)) : "-",
            }));
            return Cli.Success;
        });
        return command;
    }

    public static Command RotateKeys(CliContext io)
    {
        var tid = new Argument<string>("tid") { Description = "the gateway's tid" };
        var configDir = CloudOptions.ConfigDir();
        var json = CloudOptions.Json();
        var command = new Command("rotate-keys", "Issue a new key pair for a gateway (pending until the gateway acknowledges it)") { tid, configDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var id = PathSegment(parse.GetRequiredValue(tid), "tid");
            using var api = Connect(io, parse.GetValue(configDir), CloudOptions.Timeout);
            var answer = await api.SendAsync(HttpMethod.Post, $"/api/gateways/{id}/rotate-keys", AppJson.Default.KeyRotationDto, cancellationToken).ConfigureAwait(false);
            io.Out.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(answer, AppJson.Default.KeyRotationDto)
                : $"{answer.Tid}: new key id {answer.KeyId.ToString(CultureInfo.InvariantCulture)}, expires {Time(answer.KeyExpiresAt)}, "
                    + (answer.Delivered ? "sent to the gateway" : "the gateway is offline: it gets the keys when it connects"));
            return Cli.Success;
        });
        return command;
    }

    public static Command Send(CliContext io)
    {
        var tid = new Argument<string>("tid") { Description = "the gateway's tid" };
        var name = new Argument<string>("command") { Description = "the command's name (e.g. state, switch)" };
        var did = new Option<string>("--did") { Description = "address a sub-device of the gateway" };
        var args = new Option<string>("--args") { Description = "the command's arguments as JSON, e.g. '{\"on\":true}'" };
        var timeout = new Option<int?>("--timeout-ms") { Description = "how long the cloud waits for the reply (default the cloud's, 10 s)" };
        var configDir = CloudOptions.ConfigDir();
        var json = CloudOptions.Json();
        var command = new Command("send", "Send a command to a gateway (or one of its sub-devices) and print the reply; exit 7 when the device answers with an error, times out or is offline")
        {
            tid, name, did, args, timeout, configDir, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var id = PathSegment(parse.GetRequiredValue(tid), "tid");
            JsonElement? arguments = null;
            if (parse.GetValue(args) is { } argsText)
            {
                try
                {
                    using var document = JsonDocument.Parse(argsText);
                    arguments = document.RootElement.Clone();
                }
                catch (JsonException ex)
                {
                    throw new UsageException($"--args is not valid JSON: {ex.Message}", ex);
                }
            }
            var timeoutMs = parse.GetValue(timeout);
            if (timeoutMs is <= 0)
            {
                throw new UsageException("--timeout-ms must be positive");
            }
            var body = new CommandDto(parse.GetRequiredValue(name), parse.GetValue(did), arguments, timeoutMs);
            var httpTimeout = CloudOptions.Timeout + TimeSpan.FromMilliseconds(timeoutMs ?? 10_000);
            using var api = Connect(io, parse.GetValue(configDir), httpTimeout);
            var reply = await api.SendAsync(HttpMethod.Post, $"/api/gateways/{id}/commands", body, AppJson.Default.CommandDto, AppJson.Default.CommandReplyDto, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                io.Out.WriteLine(JsonSerializer.Serialize(reply, AppJson.Default.CommandReplyDto));
            }
            else if (reply.Ok)
            {
                io.Out.WriteLine(reply.Result is { } result ? result.GetRawText() : "ok");
            }
            if (!reply.Ok)
            {
                io.WriteError($"the device answered with an error: {reply.ErrorCode ?? "error"}: {reply.ErrorMessage ?? "no details"}");
                return Cli.DeviceError;
            }
            return Cli.Success;
        });
        return command;
    }

    public static Command SubDevices(CliContext io)
    {
        var tid = new Argument<string>("tid") { Description = "the gateway's tid" };
        var did = new Argument<string>("did") { Description = "the sub-device's did" };
        var configDir = CloudOptions.ConfigDir();
        var json = CloudOptions.Json();
        var remove = new Command("remove", "Remove a sub-device: its keys stop working at once, the gateway is told") { tid, did, configDir, json };
        remove.SetAction(async (parse, cancellationToken) =>
        {
            var gateway = PathSegment(parse.GetRequiredValue(tid), "tid");
            var device = PathSegment(parse.GetRequiredValue(did), "did");
            using var api = Connect(io, parse.GetValue(configDir), CloudOptions.Timeout);
            var answer = await api.SendAsync(HttpMethod.Delete, $"/api/gateways/{gateway}/subdevices/{device}", AppJson.Default.RemovedSubDeviceDto, cancellationToken).ConfigureAwait(false);
            io.Out.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(answer, AppJson.Default.RemovedSubDeviceDto)
                : $"{answer.Did} removed; " + (answer.Delivered ? "the gateway was told" : "the gateway is told when it connects"));
            return Cli.Success;
        });
        return new Command("subdevices", "Manage a gateway's sub-devices") { SubDeviceAddCommand.Create(io), remove };
    }

    private static CloudApi Connect(CliContext io, string? configDir, TimeSpan timeout)
    {
        var session = new SessionStore(configDir).Load();
        io.AddSecret(session.Token);
        return new CloudApi(new Uri(session.Cloud), session.Trust, session.Token, timeout);
    }

    /// <summary>A tid or did as one URL path segment (escaped, never empty).</summary>
    private static string PathSegment(string value, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new UsageException($"the {what} is empty") : Uri.EscapeDataString(value.Trim());

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void WriteTable(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}

using System.Text.Json;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.SubDevice.Client;

namespace Pi.SubDevice.Emulation;

/// <summary>
/// A relay/switch: answers <c>switch.set</c> <c>{"on":bool}</c> with <c>{"on":bool}</c>,
/// <c>switch.get</c> with <c>{"on":bool}</c>, anything else with <c>unknown_command</c>, and reports
/// every change of state (by command or by its own button, <see cref="PressAsync"/>) as telemetry
/// <c>{"on":bool}</c>.
/// </summary>
public sealed class SwitchEmulator
{
    /// <summary>Sets the state: args <c>{"on":true}</c>.</summary>
    public const string SetCommand = "switch.set";

    /// <summary>Reads the state.</summary>
    public const string GetCommand = "switch.get";

    private readonly SubDeviceClient _client;
    private readonly Lock _lock = new();
    private bool _on;
    private bool? _unreported;

    /// <summary>Creates the switch and installs itself as <paramref name="client"/>'s command handler.</summary>
    public SwitchEmulator(SubDeviceClient client, bool initiallyOn = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _on = initiallyOn;
        client.CommandHandler = HandleAsync;
        // A change made by a command is reported once its response is published, so the gateway
        // sees the answer first and the telemetry after it.
        client.CommandHandled += (_, _) =>
        {
            bool? report;
            lock (_lock)
            {
                report = _unreported;
                _unreported = null;
            }
            if (report is { } on)
            {
                _ = ReportAsync(on, CancellationToken.None);
            }
        };
    }

    /// <summary>The current state.</summary>
    public bool IsOn
    {
        get
        {
            lock (_lock)
            {
                return _on;
            }
        }
    }

    /// <summary>Raised when the state changed (after the telemetry was attempted).</summary>
    public event EventHandler<bool>? StateReported;

    /// <summary>The physical button: toggles the state and reports it.</summary>
    public Task PressAsync(CancellationToken cancellationToken)
    {
        bool on;
        lock (_lock)
        {
            _on = !_on;
            on = _on;
        }
        return ReportAsync(on, cancellationToken);
    }

    private async ValueTask<CommandResult> HandleAsync(SessionRequest request, CancellationToken cancellationToken)
    {
        switch (request.Command)
        {
            case SetCommand:
                if (request.Args is not { ValueKind: JsonValueKind.Object } args
                    || !args.TryGetProperty("on", out var value)
                    || value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return CommandResult.Failure(ProtocolErrorCode.InvalidField, "switch.set takes {\"on\":true|false}");
                }
                var on = value.GetBoolean();
                lock (_lock)
                {
                    if (_on != on)
                    {
                        _unreported = on;
                    }
                    _on = on;
                }
                return CommandResult.Success(State(on));
            case GetCommand:
                return CommandResult.Success(State(IsOn));
            default:
                await Task.CompletedTask.ConfigureAwait(false);
                return CommandResult.Failure(ProtocolErrorCode.UnknownCommand, "a switch knows switch.set and switch.get");
        }
    }

    private async Task ReportAsync(bool on, CancellationToken cancellationToken)
    {
        try
        {
            await _client.SendAsync(Telemetry.Create(State(on)), cancellationToken).ConfigureAwait(false);
        }
        catch (SubDeviceSendException)
        {
            // Not linked: the next switch.get tells the truth anyway.
        }
        StateReported?.Invoke(this, on);
    }

    private static JsonElement State(bool on) => Telemetry.Json(on ? "{\"on\":true}" : "{\"on\":false}");
}

using Pi.Gateway.Core;

namespace Pi.Gateway.Tests.Core.Support;

/// <summary>
/// What the host would have turned on, rebuilt from the commands alone, strictly: a start of something
/// already on, a stop of something off, a scan or join while the AP is on, a timer started twice
/// without a cancel, a repeated LED pattern, or a step not ending in ReportHealth is a failure.
/// </summary>
internal sealed class ActuatorModel
{
    public sealed record ArmedTimer(long Sequence, TimeSpan Duration, DateTimeOffset Due);

    private long _lastSequence;

    public bool AccessPointOn { get; private set; }

    public bool ListenerOn { get; private set; }

    public bool SessionOpen { get; private set; }

    public LedState? Led { get; private set; }

    public bool? Healthy { get; private set; }

    public Dictionary<GatewayTimer, ArmedTimer> Timers { get; } = [];

    public void Apply(GatewayEvent input, GatewayTransition step, DateTimeOffset now)
    {
        if (input is TimerFired fired && Timers.TryGetValue(fired.Timer, out var armed) && armed.Sequence == fired.Sequence)
        {
            Timers.Remove(fired.Timer);
        }
        Require(step.Commands.Count > 0 && step.Commands[^1] is ReportHealth, "every step ends with ReportHealth", step);
        Require(step.Commands.OfType<ReportHealth>().Count() == 1, "one ReportHealth per step", step);
        foreach (var command in step.Commands)
        {
            switch (command)
            {
                case StartAccessPoint:
                    Require(!AccessPointOn, "StartAccessPoint while on", step);
                    AccessPointOn = true;
                    break;
                case StopAccessPoint:
                    Require(AccessPointOn, "StopAccessPoint while off", step);
                    AccessPointOn = false;
                    break;
                case ScanNetworks:
                    Require(!AccessPointOn, "ScanNetworks while the AP is on", step);
                    break;
                case JoinWifi join:
                    Require(!AccessPointOn, "JoinWifi while the AP is on", step);
                    Require(join.Timeout > TimeSpan.Zero, "JoinWifi timeout", step);
                    break;
                case StartProvisioningListener:
                    Require(!ListenerOn, "StartProvisioningListener while on", step);
                    ListenerOn = true;
                    break;
                case StopProvisioningListener:
                    Require(ListenerOn, "StopProvisioningListener while off", step);
                    ListenerOn = false;
                    break;
                case ConnectSession:
                    Require(!SessionOpen, "ConnectSession while open", step);
                    Require(!AccessPointOn, "ConnectSession while the AP is on", step);
                    SessionOpen = true;
                    break;
                case Disconnect:
                    Require(SessionOpen, "Disconnect while closed", step);
                    SessionOpen = false;
                    break;
                case LogOut:
                    Require(SessionOpen, "LogOut without a session", step);
                    break;
                case SendResetUnbind:
                    Require(SessionOpen, "SendResetUnbind without a session", step);
                    break;
                case LogIn:
                    Require(!AccessPointOn && !ListenerOn && !SessionOpen, "LogIn with the AP, listener or a session on", step);
                    break;
                case StartTimer start:
                    Require(!Timers.ContainsKey(start.Timer), $"StartTimer({start.Timer}) while armed", step);
                    Require(start.Duration >= TimeSpan.Zero && start.Duration <= GatewayStateMachineOptions.MaxTimerDuration, $"StartTimer({start.Timer}) duration {start.Duration}", step);
                    Require(start.Sequence > _lastSequence, "timer sequences increase", step);
                    _lastSequence = start.Sequence;
                    Timers[start.Timer] = new ArmedTimer(start.Sequence, start.Duration, now + start.Duration);
                    break;
                case CancelTimer cancel:
                    Require(Timers.Remove(cancel.Timer), $"CancelTimer({cancel.Timer}) while not armed", step);
                    break;
                case ShowLeds leds:
                    Require(Led != leds.Led, $"ShowLeds({leds.Led}) repeated", step);
                    Led = leds.Led;
                    break;
                case ReportHealth health:
                    Healthy = health.Healthy;
                    break;
                case OpenPairingWindow pairing:
                    Require(pairing.Duration > TimeSpan.Zero, "pairing window length", step);
                    break;
                case ForgetWifi or WipeCredentials or Log:
                    break;
                default:
                    throw new InvalidOperationException($"unknown command {command}");
            }
        }
    }

    private static void Require(bool condition, string what, GatewayTransition step)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"inconsistent commands: {what} in {step.From} -> {step.To}: {string.Join(", ", step.Commands)}");
        }
    }
}

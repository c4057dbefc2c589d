using Microsoft.Extensions.Logging;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.Core;

/// <summary>
/// What the machine asks the host to do. The host runs the commands of one step in order, each to
/// completion, before it feeds the next event; outcomes that matter come back as events
/// (<see cref="JoinWifi"/> as <see cref="WifiJoined"/>/<see cref="WifiJoinFailed"/>, <see cref="LogIn"/>
/// as <see cref="LoginSucceeded"/>/<see cref="LoginFailed"/>, ...). A command that fails in a way
/// the machine cannot work around comes back as <see cref="FaultReported"/>.
/// </summary>
public abstract record GatewayCommand;

/// <summary>Scan for routers (station mode: emitted only while the softAP is off) for the APP's ssidList.</summary>
public sealed record ScanNetworks : GatewayCommand;

/// <summary>Start the softAP.</summary>
public sealed record StartAccessPoint : GatewayCommand;

/// <summary>Stop the softAP.</summary>
public sealed record StopAccessPoint : GatewayCommand;

/// <summary>Start the provisioning listener (UDP port1, TCP port3) on every interface.</summary>
public sealed record StartProvisioningListener : GatewayCommand;

/// <summary>Stop the provisioning listener (and drop its sessions).</summary>
public sealed record StopProvisioningListener : GatewayCommand;

/// <summary>Join the router as a station (the softAP is already off), bounded by <paramref name="Timeout"/>.</summary>
public sealed record JoinWifi(string Ssid, SecretString Password, TimeSpan Timeout) : GatewayCommand;

/// <summary>Forget the router the station is configured for (provisioning rollback, factory reset).</summary>
public sealed record ForgetWifi : GatewayCommand;

/// <summary>Log in to the cloud with the stored registration (S200); answered by a login event.</summary>
public sealed record LogIn : GatewayCommand;

/// <summary>Connect the session channel with the session of the last login; answered by a session event.</summary>
public sealed record ConnectSession : GatewayCommand;

/// <summary>Close the session channel (without logging out) and stop any reconnect of its own.</summary>
public sealed record Disconnect : GatewayCommand;

/// <summary>Send logout on the session channel (S403), bounded, before a <see cref="Disconnect"/>.</summary>
public sealed record LogOut : GatewayCommand;

/// <summary>Send resetUnbind on the session channel; answered by <see cref="ResetUnbindAnswered"/>.</summary>
public sealed record SendResetUnbind : GatewayCommand;

/// <summary>
/// Delete the registration and sub-device keys (the identity stays). <paramref name="SetResetFlag"/>
/// true sets deviceInfo.resetFlag; false leaves it as it is. A factory reset answers with
/// <see cref="WipeCompleted"/>.
/// </summary>
public sealed record WipeCredentials(bool SetResetFlag) : GatewayCommand;

/// <summary>Show an LED pattern.</summary>
public sealed record ShowLeds(LedState Led) : GatewayCommand;

/// <summary>Open the sub-device pairing window for <paramref name="Duration"/> (the bridge reports when it ends).</summary>
public sealed record OpenPairingWindow(TimeSpan Duration) : GatewayCommand;

/// <summary>
/// Start (or restart) timer <paramref name="Timer"/>: after <paramref name="Duration"/> (monotonic time,
/// at most a day) feed <see cref="TimerFired"/> with the same <paramref name="Sequence"/>. A fire whose
/// sequence is not the latest is ignored, so a late fire after a cancel or restart is harmless.
/// </summary>
public sealed record StartTimer(GatewayTimer Timer, TimeSpan Duration, long Sequence) : GatewayCommand;

/// <summary>Cancel timer <paramref name="Timer"/>.</summary>
public sealed record CancelTimer(GatewayTimer Timer) : GatewayCommand;

/// <summary>
/// Emitted last by every step: <paramref name="Healthy"/> true lets the host pet the systemd watchdog;
/// false (in <see cref="GatewayState.Fault"/>) lets the watchdog restart the service.
/// </summary>
public sealed record ReportHealth(bool Healthy) : GatewayCommand;

/// <summary>A log line for the host's logger (never a secret).</summary>
public sealed record Log(LogLevel Level, EventId EventId, string Message) : GatewayCommand;

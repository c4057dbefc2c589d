using System.Net;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.SubDevice.Onboarding;

/// <summary>Where and as whom the sub-device answers the APP's onboarding.</summary>
/// <param name="Mac">The MAC printed on the device's label (the APP searches for it).</param>
/// <param name="SetupCode">The setup code printed on the label; salts every provisioning key.</param>
/// <param name="Bind">Address to listen on (default: all).</param>
/// <param name="SearchPort">port1: searchDevice datagrams arrive here.</param>
/// <param name="AnswerPort">port2: deviceInfo is sent to the searching APP's address on this port.</param>
/// <param name="SessionPort">port3: the APP's TCP session.</param>
public sealed record OnboardingOptions(
    string Mac,
    SetupCode SetupCode,
    IPAddress Bind,
    int SearchPort = ProvisioningDefaults.SearchPort,
    int AnswerPort = ProvisioningDefaults.AnswerPort,
    int SessionPort = ProvisioningDefaults.SessionPort);

/// <summary>A search or session the responder refused, with the protocol's error code.</summary>
/// <param name="Stage"><c>search</c> (UDP) or <c>session</c> (TCP).</param>
/// <param name="Code">Why.</param>
public sealed record OnboardingRefusal(string Stage, ProtocolErrorCode Code);

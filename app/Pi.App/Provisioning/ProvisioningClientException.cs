using Pi.Protocol.Errors;

namespace Pi.App.Provisioning;

/// <summary>Why an APP-side provisioning step failed (see <see cref="ProvisioningClientException"/>).</summary>
public enum ProvisioningFailure
{
    /// <summary>
    /// No answer that opened under our keys arrived in time. A gateway that is absent and a gateway
    /// whose setup code differs look the same here: a gateway stays silent to searches that do not
    /// open under its own setup code (docs/protocol.md section 5, rule 2).
    /// </summary>
    NoAnswer = 1,

    /// <summary>
    /// Answers arrived, but none opened under the keys of the setup code we hold (and none opened at
    /// all): the device answering uses another setup code or security mode, or the answers were for
    /// another APP searching on the same network at the same time.
    /// </summary>
    WrongSetupCode = 2,

    /// <summary>Another APP is provisioning the device (error frame <c>busy</c>).</summary>
    Busy = 3,

    /// <summary>The device refused a request with an error frame (its code is in <see cref="ProvisioningClientException.Code"/>).</summary>
    Refused = 4,

    /// <summary>The connection could not be made, was closed, or no reply came in time.</summary>
    ConnectionLost = 5,

    /// <summary>The peer sent something the protocol does not allow (bad frame, failed tag, wrong reply).</summary>
    ProtocolError = 6,

    /// <summary>The gateway already holds a registration (error <c>already_provisioned</c>): it must be reset first.</summary>
    AlreadyProvisioned = 7,
}

/// <summary>
/// A failed provisioning step of the APP. <see cref="Failure"/> says what kind; <see cref="Code"/> is
/// the protocol error code when one is known (the peer's error frame, or our own check that failed).
/// Messages never carry a setup code, key or password.
/// </summary>
public sealed class ProvisioningClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProvisioningClientException(ProvisioningFailure failure, string message, ProtocolErrorCode? code = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        Code = code;
    }

    /// <summary>Creates an exception of kind <see cref="ProvisioningFailure.ProtocolError"/>.</summary>
    public ProvisioningClientException()
        : this(ProvisioningFailure.ProtocolError, "provisioning failed")
    {
    }

    /// <summary>Creates an exception of kind <see cref="ProvisioningFailure.ProtocolError"/>.</summary>
    public ProvisioningClientException(string message)
        : this(ProvisioningFailure.ProtocolError, message)
    {
    }

    /// <summary>Creates an exception of kind <see cref="ProvisioningFailure.ProtocolError"/>.</summary>
    public ProvisioningClientException(string message, Exception innerException)
        : this(ProvisioningFailure.ProtocolError, message, null, innerException)
    {
    }

    /// <summary>What kind of failure.</summary>
    public ProvisioningFailure Failure { get; }

    /// <summary>The protocol error code, when one is known.</summary>
    public ProtocolErrorCode? Code { get; }
}

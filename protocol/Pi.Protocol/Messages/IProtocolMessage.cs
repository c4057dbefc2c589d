namespace Pi.Protocol.Messages;

/// <summary>A message of the protocol: a record that can check its own fields.</summary>
public interface IProtocolMessage
{
    /// <summary>
    /// Checks every field against docs/protocol.md. Decoders call it on everything they read and
    /// encoders on everything they write.
    /// </summary>
    /// <exception cref="Errors.ProtocolException"><see cref="Errors.ProtocolErrorCode.MissingField"/>, <see cref="Errors.ProtocolErrorCode.InvalidField"/> or <see cref="Errors.ProtocolErrorCode.InvalidId"/>.</exception>
    void Validate();
}

namespace ProcessGrid;

/// <summary>
/// A message could not be turned into bytes to cross to another node (for example it holds a delegate or a pointer).
/// The message names the type; nothing was sent.
/// </summary>
public sealed class MessageSerializationException : ProcessGridException
{
    /// <summary>Creates the error for a message of type <paramref name="messageType"/>.</summary>
    public MessageSerializationException(Type messageType, string why, Exception? inner = null)
        : base($"A {messageType.FullName} cannot be sent to another node: {why} " +
               "Messages that cross nodes must be data: records or classes with public properties (or fields), collections, primitives, pids.", inner) =>
        MessageType = messageType;

    /// <summary>The type that could not be serialized.</summary>
    public Type MessageType { get; }
}

namespace ProcessGrid.Runtime.Messaging;

/// <summary>How a message was sent, which decides how a <see cref="GenServer"/> dispatches it.</summary>
internal enum EnvelopeKind : byte
{
    /// <summary>A plain send (<c>Pid ! Msg</c>): <see cref="GenServer.HandleInfoAsync"/>.</summary>
    Message,

    /// <summary>A cast: <see cref="GenServer.HandleCastAsync"/>.</summary>
    Cast,

    /// <summary>A call that expects a reply: <see cref="GenServer.HandleCallAsync"/>.</summary>
    Call,

    /// <summary>
    /// A request from the runtime that a server stop after the messages queued before it (the message is the
    /// <see cref="ExitReason"/>); used to deactivate virtual processes when their node stops.
    /// </summary>
    Stop,
}

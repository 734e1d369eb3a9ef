namespace ProcessGrid.Runtime.Messaging;

/// <summary>
/// One message in a mailbox, and the mailbox queue's node: the queue is intrusive, so a send allocates exactly this
/// object and nothing else.
/// </summary>
internal sealed class Envelope
{
    /// <summary>The next envelope in the mailbox queue (written by the producer that enqueued after this one).</summary>
    internal Envelope? Next;

    /// <summary>The message; cleared when the envelope is taken so the queue's stub does not keep it alive.</summary>
    internal object? Message;

    /// <summary>For a call: where the reply goes.</summary>
    internal IReplyTarget? ReplyTo;

    /// <summary>For a call: the token the reply target expects back.</summary>
    internal long ReplyToken;

    /// <summary>For a call made from a process: the caller.</summary>
    internal Pid? Caller;

    /// <summary>How the message was sent.</summary>
    internal EnvelopeKind Kind;

    /// <summary>How many nodes have forwarded this message for a virtual process (bounded, so disagreeing views cannot bounce it forever).</summary>
    internal byte Hops;

    /// <summary>Creates an empty envelope (a queue stub).</summary>
    internal Envelope()
    {
    }

    /// <summary>Creates an envelope for a plain send, a cast or a stop request.</summary>
    internal Envelope(EnvelopeKind kind, object message)
    {
        Kind = kind;
        Message = message;
    }

    /// <summary>Creates an envelope for a call.</summary>
    internal Envelope(object request, IReplyTarget replyTo, long replyToken, Pid? caller)
    {
        Kind = EnvelopeKind.Call;
        Message = request;
        ReplyTo = replyTo;
        ReplyToken = replyToken;
        Caller = caller;
    }

    /// <summary>The call's reply handle.</summary>
    internal CallFrom From => new(ReplyTo!, ReplyToken, Caller);
}

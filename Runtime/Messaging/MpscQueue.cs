using System.Diagnostics.CodeAnalysis;

namespace ProcessGrid.Runtime.Messaging;

/// <summary>
/// A mailbox queue: many producers, one consumer, lock-free and intrusive on <see cref="Envelope.Next"/> (after
/// Dmitry Vyukov's MPSC queue).
/// </summary>
/// <remarks>
/// <para>An enqueue is one atomic exchange on the tail plus one store, so producers never wait for each other or for
/// the consumer, and each producer's envelopes stay in the order it enqueued them (Erlang's per-pair ordering).</para>
/// <para>The consumer owns <see cref="_head"/>, which always points at a stub. Taking an envelope makes its node the
/// new stub and hands the consumer the old stub with the payload moved into it, so the envelope the consumer gets is
/// detached: it can be kept (a selective receive's save queue) or re-sent without disturbing the queue.</para>
/// <para>A producer that has swapped the tail but not yet linked its predecessor leaves a short window in which the
/// queue is not empty but the link is missing; <see cref="TryDequeue"/> spins through it.</para>
/// <para>This is a mutable struct embedded in the process cell (no separate object); never copy it.</para>
/// </remarks>
internal struct MpscQueue
{
    private Envelope _head;
    private Envelope _tail;

    /// <summary>Creates an empty queue around a fresh stub.</summary>
    public MpscQueue()
    {
        _head = _tail = new Envelope();
    }

    /// <summary>True when no envelope is queued or being queued. Safe from any thread.</summary>
    public bool IsEmpty => ReferenceEquals(Volatile.Read(ref _tail), Volatile.Read(ref _head));

    /// <summary>Adds an envelope. Safe from any number of threads at once.</summary>
    public void Enqueue(Envelope envelope)
    {
        envelope.Next = null;
        var previous = Interlocked.Exchange(ref _tail, envelope);
        Volatile.Write(ref previous.Next, envelope);
    }

    /// <summary>Takes the oldest envelope, detached from the queue. Only the consumer may call this.</summary>
    public bool TryDequeue([NotNullWhen(true)] out Envelope? envelope)
    {
        var head = _head;
        var next = Volatile.Read(ref head.Next);
        if (next is null)
        {
            if (ReferenceEquals(Volatile.Read(ref _tail), head))
            {
                envelope = null;
                return false;
            }
            // A producer swapped the tail and is about to link it: wait the few instructions it needs.
            var spin = new SpinWait();
            while ((next = Volatile.Read(ref head.Next)) is null)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
        _head = next;

        // No producer touches the old stub again (its successor is linked), so it can carry the payload out.
        head.Next = null;
        head.Message = next.Message;
        head.Kind = next.Kind;
        head.ReplyTo = next.ReplyTo;
        head.ReplyToken = next.ReplyToken;
        head.Caller = next.Caller;
        head.Hops = next.Hops;
        next.Message = null;
        next.ReplyTo = null;
        next.Caller = null;
        envelope = head;
        return true;
    }

    /// <summary>Counts the queued envelopes by walking the queue (for introspection: approximate while producers run).</summary>
    public int CountSlow()
    {
        var count = 0;
        for (var node = Volatile.Read(ref Volatile.Read(ref _head).Next); node is not null && count < int.MaxValue; node = Volatile.Read(ref node.Next))
        {
            count++;
        }
        return count;
    }
}

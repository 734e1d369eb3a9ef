using System.Diagnostics.CodeAnalysis;

namespace ProcessGrid.Runtime.Messaging;

/// <summary>
/// The messages a process has taken from its mailbox but not yet consumed: what a selective receive skipped, in
/// arrival order (Erlang's save queue). Owned by the process's consumer; a linked list of detached envelopes.
/// </summary>
/// <remarks>A mutable struct embedded in the process cell; never copy it.</remarks>
internal struct SaveQueue
{
    private Envelope? _head;
    private Envelope? _tail;

    /// <summary>How many messages are saved.</summary>
    public int Count { get; private set; }

    /// <summary>Appends an envelope taken from the mailbox.</summary>
    public void Append(Envelope envelope)
    {
        envelope.Next = null;
        if (_tail is null)
        {
            _head = _tail = envelope;
        }
        else
        {
            _tail.Next = envelope;
            _tail = envelope;
        }
        Count++;
    }

    /// <summary>Takes the oldest saved envelope.</summary>
    public bool TryTakeFirst([NotNullWhen(true)] out Envelope? envelope)
    {
        envelope = _head;
        if (envelope is null)
        {
            return false;
        }
        _head = envelope.Next;
        if (_head is null)
        {
            _tail = null;
        }
        envelope.Next = null;
        Count--;
        return true;
    }

    /// <summary>Takes the oldest saved envelope that <paramref name="match"/> accepts, keeping the others in order.</summary>
    public bool TryTake<TState>(Func<Envelope, TState, bool> match, TState state, [NotNullWhen(true)] out Envelope? envelope)
    {
        Envelope? previous = null;
        for (var node = _head; node is not null; previous = node, node = node.Next)
        {
            if (!match(node, state))
            {
                continue;
            }
            if (previous is null)
            {
                _head = node.Next;
            }
            else
            {
                previous.Next = node.Next;
            }
            if (ReferenceEquals(_tail, node))
            {
                _tail = previous;
            }
            node.Next = null;
            Count--;
            envelope = node;
            return true;
        }
        envelope = null;
        return false;
    }
}

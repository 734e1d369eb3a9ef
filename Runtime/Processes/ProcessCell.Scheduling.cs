using System.Diagnostics.CodeAnalysis;
using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime.Processes;

/// <summary>The mailbox and who consumes it: posting, running, releasing, yielding.</summary>
internal abstract partial class ProcessCell
{
    /// <summary>Queues the first run of the process (its state is <see cref="Scheduled"/> from construction).</summary>
    internal void Start() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);

    /// <summary>Delivers an envelope to this process. Never blocks; safe from any thread.</summary>
    internal void Post(Envelope envelope)
    {
        if (_exitReason is not null)
        {
            OnPostedAfterExit(envelope);
            return;
        }
        Enqueue(envelope);
    }

    /// <summary>Queues an envelope and makes sure an owner will run; the caller has decided the process takes it.</summary>
    private protected void Enqueue(Envelope envelope)
    {
        _mailbox.Enqueue(envelope);
        if (Volatile.Read(ref _state) == Idle && Interlocked.CompareExchange(ref _state, Scheduled, Idle) == Idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    /// <summary>
    /// Takes over everything queued for <paramref name="predecessor"/>, in order, by moving its queue as a whole. Only
    /// while neither has producers or a consumer: the predecessor is sealed and owned by the caller, and this process
    /// has not started nor been published.
    /// </summary>
    private protected void AdoptQueuesOf(ProcessCell predecessor)
    {
        _mailbox = predecessor._mailbox;
        _saved = predecessor._saved;
        predecessor._mailbox = new MpscQueue();
        predecessor._saved = default;
    }

    /// <summary>Takes the next queued envelope, from the save queue first, then the mailbox. Owner only.</summary>
    private protected bool TryTakeQueued([NotNullWhen(true)] out Envelope? envelope) =>
        _saved.TryTakeFirst(out envelope) || _mailbox.TryDequeue(out envelope);

    /// <summary>True when messages wait in the mailbox or the save queue.</summary>
    private protected bool HasQueuedMessages => !_mailbox.IsEmpty || _saved.Count > 0;

    /// <summary>Runs the process on a thread-pool thread: this thread now owns the mailbox.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        Volatile.Write(ref _state, Running);
        Volatile.Write(ref _lastActiveTick, Environment.TickCount64);
        Run();
    }

    /// <summary>Does the process's work while owning the mailbox; must end by releasing ownership or handing it on.</summary>
    private protected abstract void Run();

    /// <summary>
    /// Whether an owner about to go idle has work left beyond mailbox messages (which are always checked): a fired
    /// receive timeout, or a parked receive to unwind after an exit. Read after the state word is published idle, so
    /// whoever sets such work and then calls <see cref="Wake"/> can never be missed.
    /// </summary>
    private protected virtual bool HasPendingWork => false;

    /// <summary>
    /// Gives up ownership of the mailbox. Returns true if work arrived meanwhile and ownership was taken back, in which
    /// case the caller must carry on as the owner.
    /// </summary>
    private protected bool TryRelease()
    {
        Interlocked.Exchange(ref _state, Idle);
        if (_mailbox.IsEmpty && !HasPendingWork)
        {
            return false;
        }
        return Interlocked.CompareExchange(ref _state, Running, Idle) == Idle;
    }

    /// <summary>Re-queues the process at the back of the thread pool's queue (fairness after a full turn), keeping ownership.</summary>
    private protected void Yield()
    {
        Volatile.Write(ref _state, Scheduled);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Makes sure an owner runs soon (to notice an exit or a timeout) if nobody owns the mailbox now.</summary>
    private protected void Wake()
    {
        if (Interlocked.CompareExchange(ref _state, Scheduled, Idle) == Idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Takes ownership of an idle mailbox (for work started from outside, such as deactivation).</summary>
    private protected bool TryAcquireIdle() => Interlocked.CompareExchange(ref _state, Running, Idle) == Idle;

    /// <summary>True when no message waits in the mailbox (the save queue is not counted).</summary>
    private protected bool IsMailboxEmpty => _mailbox.IsEmpty;

    /// <summary>Takes the next mailbox envelope. Owner only.</summary>
    private protected bool TryDequeue([NotNullWhen(true)] out Envelope? envelope)
    {
        if (_mailbox.TryDequeue(out envelope))
        {
            _messagesHandled++;
            return true;
        }
        return false;
    }

    /// <summary>Moves everything in the mailbox to the save queue. Owner only.</summary>
    private protected void DrainMailboxToSaved()
    {
        while (_mailbox.TryDequeue(out var envelope))
        {
            _messagesHandled++;
            _saved.Append(envelope);
        }
    }
}

using System.Collections.Concurrent;

namespace ProcessGrid.Runtime.Global;

/// <summary>
/// Gathers a node's concurrent claims and releases into batches that reach the table one transaction at a time:
/// whatever arrives while a batch is on its way goes together in the next one.
/// </summary>
/// <remarks>
/// <para>Why: every change to the table notifies the cluster, and PostgreSQL commits notifying transactions one after the
/// other (each holds the notification queue's lock through its commit and WAL flush). One claim per transaction caps a
/// whole cluster at one claim per commit, whatever the concurrency; a batch pays that commit once for all it carries.</para>
/// <para>Latency is untouched when there is no concurrency: a write that finds the queue idle starts the batch on its own
/// thread and is answered on the thread that read its answer, without a hop or a delay to wait for company. One batch
/// per node is in flight at a time, so a node's writes reach the table in the order they were submitted.</para>
/// </remarks>
internal sealed class GlobalWriteQueue(Func<IReadOnlyList<GlobalWrite>, Task<GlobalClaimOutcome[]>> execute, int maxBatch)
{
    private readonly ConcurrentQueue<GlobalWrite> _pending = new();
    private int _draining;

    /// <summary>Queues <paramref name="write"/>, starting a batch if none is on its way; completes with the write's answer.</summary>
    public Task<GlobalClaimOutcome> Submit(GlobalWrite write)
    {
        _pending.Enqueue(write);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = DrainAsync();
        }
        return write.Answer;
    }

    /// <summary>Sends one batch, hands the queue on (to the next batch, or idle), then answers the batch's writes.</summary>
    private async Task DrainAsync()
    {
        var batch = new List<GlobalWrite>(Math.Min(_pending.Count, maxBatch));
        while (batch.Count < maxBatch && _pending.TryDequeue(out var write))
        {
            batch.Add(write);
        }
        GlobalClaimOutcome[]? answers = null;
        Exception? failure = null;
        if (batch.Count > 0)
        {
            try
            {
                answers = await execute(batch).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                failure = error;
            }
        }
        // The queue moves on before anyone is answered: an answer's continuation may run here for as long as it likes.
        if (!_pending.IsEmpty)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static queue => _ = queue.DrainAsync(), this, preferLocal: false);
        }
        else
        {
            Volatile.Write(ref _draining, 0);
            // A write queued after the look but before the flag dropped found it set and left its batch to us.
            if (!_pending.IsEmpty && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static queue => _ = queue.DrainAsync(), this, preferLocal: false);
            }
        }
        if (batch.Count == 1)
        {
            // A lone write is answered on this thread, as a direct call to the table would be.
            Answer(batch[0], answers, failure, 0);
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            // Many writers are answered in parallel, so none waits for what another does with its answer.
            var index = i;
            ThreadPool.UnsafeQueueUserWorkItem(_ => Answer(batch[index], answers, failure, index), null);
        }
    }

    private static void Answer(GlobalWrite write, GlobalClaimOutcome[]? answers, Exception? failure, int index)
    {
        if (failure is not null)
        {
            write.Fail(failure);
        }
        else
        {
            write.Complete(answers![index]);
        }
    }
}

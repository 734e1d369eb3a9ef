using System.Buffers;
using System.Collections.Concurrent;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Transport;
using static ProcessGrid.Runtime.Membership.DevelopmentTableProtocol;

namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// A joining node's side of the development membership provider: every table operation is a request to the seed node
/// at the <c>--join</c> address, over the connection between them. If the seed cannot be reached or does not answer in
/// time, the operation throws <see cref="MembershipUnavailableException"/>, as a database that is down would.
/// </summary>
internal sealed class RemoteMembershipTable(NodeDistribution distribution, SeedConnection seed, TimeSpan timeout) : IMembershipTable
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<Response>> _pending = new();
    private long _nextCorrelation;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken) =>
        await AskAsync(Operation.Initialize, null, 0, default, 0, default, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken) =>
        (await AskAsync(Operation.ReadAll, null, 0, default, 0, default, cancellationToken).ConfigureAwait(false)).Data
        ?? throw new MembershipUnavailableException($"The seed node at {seed.Endpoint} answered a read without the table.");

    /// <inheritdoc />
    public async Task<bool> InsertAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken) =>
        (await AskAsync(Operation.Insert, entry, expectedVersion, default, 0, default, cancellationToken).ConfigureAwait(false)).Written;

    /// <inheritdoc />
    public async Task<bool> UpdateAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken) =>
        (await AskAsync(Operation.Update, entry, expectedVersion, default, 0, default, cancellationToken).ConfigureAwait(false)).Written;

    /// <inheritdoc />
    public async Task UpdateIAmAliveAsync(NodeName name, long creation, DateTimeOffset at, CancellationToken cancellationToken) =>
        await AskAsync(Operation.IAmAlive, null, 0, name, creation, at, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<int> DeleteDefunctAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        (await AskAsync(Operation.DeleteDefunct, null, 0, default, 0, before, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>Delivers the seed's answer to the waiting operation.</summary>
    public void OnResponse(ReadOnlySequence<byte> payload)
    {
        if (distribution.Serializer.Deserialize(payload) is Response response && _pending.TryRemove(response.Correlation, out var waiting))
        {
            waiting.TrySetResult(response);
        }
    }

    private async Task<Response> AskAsync(
        Operation op, MembershipEntry? entry, long expectedVersion, NodeName name, long creation, DateTimeOffset at, CancellationToken cancellationToken)
    {
        PeerConnection connection;
        try
        {
            connection = await seed.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectFailedException e)
        {
            if (e.Code == RefusalCode.DeclaredDead)
            {
                distribution.Membership?.OnRefusedAsDead(seed.Endpoint, e.Message); // The seed keeps the table: its word is the table's.
            }
            throw new MembershipUnavailableException(
                $"The seed node at {seed.Endpoint} (--join) cannot be reached: {e.Message}. Start it first, or fix ProcessGrid:Cluster:Join.", e);
        }
        var seedName = connection.Remote.Name;
        var correlation = Interlocked.Increment(ref _nextCorrelation);
        var answer = new TaskCompletionSource<Response>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[correlation] = answer;
        try
        {
            var frame = FrameBuilder.Start(FrameKind.MembershipRequest);
            distribution.Serializer.Serialize(frame, new Request(correlation, op, entry, expectedVersion, name, creation, at));
            if (!connection.Send(frame))
            {
                frame.Release();
                throw new MembershipUnavailableException($"The connection to the seed node {seedName} closed before the membership {op} was sent.");
            }
            Response response;
            try
            {
                response = await answer.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new MembershipUnavailableException($"The seed node {seedName} did not answer a membership {op} within {timeout}.");
            }
            return response.Error is { } error
                ? throw new MembershipUnavailableException($"The seed node {seedName} could not do the membership {op}: {error}")
                : response;
        }
        finally
        {
            _pending.TryRemove(correlation, out _);
        }
    }
}

using System.Buffers;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Transport;
using static ProcessGrid.Runtime.Membership.DevelopmentTableProtocol;

namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// The seed node's side of the development membership provider: it answers table requests from joining nodes with the
/// table it keeps in memory (like Orleans' development clustering, where one silo hosts the table). The seed is a single
/// point of failure for membership: use PostgreSQL for anything but development.
/// </summary>
internal sealed partial class DevelopmentTableServer(NodeDistribution distribution, IMembershipTable table, ILogger logger)
{
    /// <summary>Handles one request (on the connection's reader); the answer is sent when the operation completes.</summary>
    public void OnRequest(PeerConnection connection, ReadOnlySequence<byte> payload)
    {
        if (distribution.Serializer.Deserialize(payload) is not Request request)
        {
            throw new FrameProtocolException("A membership request frame does not hold a request.");
        }
        _ = AnswerAsync(connection, request);
    }

    private async Task AnswerAsync(PeerConnection connection, Request request)
    {
        Response response;
        try
        {
            response = request.Op switch
            {
                Operation.Initialize => await Done(table.InitializeAsync(CancellationToken.None)).ConfigureAwait(false),
                Operation.ReadAll => new Response(request.Correlation, null, await table.ReadAllAsync(CancellationToken.None).ConfigureAwait(false), false, 0),
                Operation.Insert => new Response(request.Correlation, null, null, await table.InsertAsync(request.Entry!, request.ExpectedVersion, CancellationToken.None).ConfigureAwait(false), 0),
                Operation.Update => new Response(request.Correlation, null, null, await table.UpdateAsync(request.Entry!, request.ExpectedVersion, CancellationToken.None).ConfigureAwait(false), 0),
                Operation.IAmAlive => await Done(table.UpdateIAmAliveAsync(request.Name, request.Creation, request.At, CancellationToken.None)).ConfigureAwait(false),
                Operation.DeleteDefunct => new Response(request.Correlation, null, null, false, await table.DeleteDefunctAsync(request.At, CancellationToken.None).ConfigureAwait(false)),
                _ => new Response(request.Correlation, $"unknown membership operation {request.Op}", null, false, 0),
            };
        }
        catch (Exception e) when (e is MembershipUnavailableException or ArgumentException or InvalidOperationException)
        {
            response = new Response(request.Correlation, e.Message, null, false, 0);
        }
        var frame = FrameBuilder.Start(FrameKind.MembershipResponse);
        distribution.Serializer.Serialize(frame, response);
        if (!connection.Send(frame))
        {
            frame.Release();
            LogAnswerLost(logger, connection.Remote.Name, request.Op);
        }

        async Task<Response> Done(Task operation)
        {
            await operation.ConfigureAwait(false);
            return new Response(request.Correlation, null, null, false, 0);
        }
    }

    [LoggerMessage(EventId = 620, Level = LogLevel.Debug, Message = "Could not answer {Node}'s membership {Operation}: its connection closed")]
    private static partial void LogAnswerLost(ILogger logger, NodeName node, Operation operation);
}

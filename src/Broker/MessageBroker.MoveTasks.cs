using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker;

public sealed partial class MessageBroker
{
    private const int MaxMoveTasksListed = 10;
    private const int MaxActiveMoveTasks = 100;
    /// <summary>Guarded by the lifecycle lock: move tasks are administration, a cold path.</summary>
    private readonly Dictionary<string, List<MessageMoveTask>> moveTasksBySource = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts moving the messages of a dead-letter queue back to the queues they came from, or to a named destination
    /// (SQS: StartMessageMoveTask). Moved messages are new messages there: new id, sent time and retention, receive
    /// count zero, same body and attributes. The first second's worth moves before this returns; the rest at the given
    /// rate on the broker's clock.
    /// </summary>
    /// <param name="request">Source, destination and rate.</param>
    /// <returns>The task handle, for <see cref="CancelMessageMoveTask"/>.</returns>
    /// <exception cref="BrokerException">The source or destination does not exist (<c>ResourceNotFoundException</c>), the
    /// source is no queue's dead-letter queue or the rate is outside 1 to 500 (<c>InvalidParameterValue</c>), or a task
    /// already runs on the source (<c>UnsupportedOperation</c>).</exception>
    public string StartMessageMoveTask(StartMessageMoveTaskRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MaxNumberOfMessagesPerSecond is < 1 or > 500)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {request.MaxNumberOfMessagesPerSecond} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: it must be between 1 and 500.");
        }

        MessageMoveTask task;
        lock (lifecycleLock)
        {
            var source = FindByNameOrArn(request.SourceArn)
                ?? throw new BrokerException(BrokerErrorCodes.ResourceNotFoundException, "The resource that you specified for the SourceArn parameter doesn't exist.");
            MessageQueue? destination = null;
            if (request.DestinationArn is { } destinationArn)
            {
                destination = FindByNameOrArn(destinationArn)
                    ?? throw new BrokerException(BrokerErrorCodes.ResourceNotFoundException, "The resource that you specified for the DestinationArn parameter doesn't exist.");
            }

            if (!queues.Values.Any(q => q.Settings.DeadLetterQueueName == source.Name))
            {
                throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, "Source queue must be configured as a Dead Letter Queue.");
            }

            var tasks = moveTasksBySource.TryGetValue(source.Name, out var existing) ? existing : moveTasksBySource[source.Name] = [];
            if (tasks.Any(t => t.IsActive))
            {
                throw new BrokerException(
                    BrokerErrorCodes.UnsupportedOperation,
                    "There is already a task running. Only one active task is allowed for a source queue arn at a given time.");
            }

            if (moveTasksBySource.Values.Sum(list => list.Count(t => t.IsActive)) >= MaxActiveMoveTasks)
            {
                throw new BrokerException(BrokerErrorCodes.OverLimit, $"At most {MaxActiveMoveTasks} message move tasks may be active at once.");
            }

            task = new MessageMoveTask(this, source, destination, request.MaxNumberOfMessagesPerSecond);
            tasks.Insert(0, task);
            if (tasks.Count > MaxMoveTasksListed)
            {
                tasks.RemoveAt(tasks.Count - 1);
            }
        }

        task.Start();
        return task.Handle;
    }

    /// <summary>The most recent move tasks of a dead-letter queue, newest first (SQS: ListMessageMoveTasks).</summary>
    /// <param name="sourceArn">The dead-letter queue, by name or ARN.</param>
    /// <param name="maxResults">How many tasks, 1 to 10. Default 1, as on SQS.</param>
    /// <returns>The tasks.</returns>
    /// <exception cref="BrokerException">The source does not exist (<c>ResourceNotFoundException</c>) or <paramref name="maxResults"/> is out of range (<c>InvalidParameterValue</c>).</exception>
    public IReadOnlyList<MessageMoveTaskInfo> ListMessageMoveTasks(string sourceArn, int maxResults = 1)
    {
        ArgumentNullException.ThrowIfNull(sourceArn);
        if (maxResults is < 1 or > MaxMoveTasksListed)
        {
            throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, $"Value {maxResults} for parameter MaxResults is invalid. Reason: it must be between 1 and 10.");
        }

        lock (lifecycleLock)
        {
            var source = FindByNameOrArn(sourceArn)
                ?? throw new BrokerException(BrokerErrorCodes.ResourceNotFoundException, "The resource that you specified for the SourceArn parameter doesn't exist.");
            return moveTasksBySource.TryGetValue(source.Name, out var tasks)
                ? [.. tasks.Take(maxResults).Select(t => t.Snapshot())]
                : [];
        }
    }

    /// <summary>Cancels a running move task (SQS: CancelMessageMoveTask). Messages already moved stay moved.</summary>
    /// <param name="taskHandle">The handle <see cref="StartMessageMoveTask"/> returned.</param>
    /// <returns>How many messages the task moved.</returns>
    /// <exception cref="BrokerException">The handle is malformed (<c>InvalidParameterValue</c>) or names no task (<c>ResourceNotFoundException</c>).</exception>
    public long CancelMessageMoveTask(string taskHandle)
    {
        if (string.IsNullOrEmpty(taskHandle) || taskHandle.Length != 24 || taskHandle.AsSpan().ContainsAnyExcept(HandleChars))
        {
            throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, "Value for parameter TaskHandle is invalid.");
        }

        MessageMoveTask? task;
        lock (lifecycleLock)
        {
            task = moveTasksBySource.Values.SelectMany(t => t).FirstOrDefault(t => t.Handle == taskHandle && t.IsActive);
        }

        return task?.Cancel() ?? throw new BrokerException(BrokerErrorCodes.ResourceNotFoundException, "Task does not exist.");
    }

    private static readonly System.Buffers.SearchValues<char> HandleChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private MessageQueue? FindByNameOrArn(string nameOrArn) =>
        RedriveSettings.ResolveName(nameOrArn, Options) is { } name && queues.TryGetValue(name, out var queue) ? queue : null;

    private void DisposeMoveTasks()
    {
        foreach (var task in moveTasksBySource.Values.SelectMany(t => t))
        {
            task.Dispose();
        }

        moveTasksBySource.Clear();
    }
}

namespace Hotline.Ops.Grains;

/// <summary>
/// When a ticket answers the events it was sent (<c>Hotline:Tickets:AnswerOnceStored</c>). By default it answers once
/// its state and outbox are stored and its reports are delivered to the unit ledgers, so a scorecard read after the
/// answer counts the events. Answering once stored, it delivers the reports right after the answer: the events are as
/// safe (the outbox is stored with them and delivered again after a failure or a restart), a request waits for one
/// commit instead of two in a row (bench/FINDINGS.md item 41), and a scorecard read at once may not count the last
/// milliseconds' events yet.
/// </summary>
public sealed record TicketAnswering(bool OnceStored);

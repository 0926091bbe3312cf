using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay;

/// <summary>Figures of a generated month, for the summary and the tests.</summary>
public sealed record GenerationStats(
    string Month, int Seed,
    int Requests, int AnsweredDirectly, int OrdersDispatched, int HotlineDue, int CarriedIn, int CarriedOut,
    int IceStorm, int DeputyRequests, int DeputyOrders, int EnterpriseRequests, int EnterpriseOrders,
    int Letters, int LettersAnswered, int LettersDispatched, int MailboxDue, int LettersCarriedIn, int LettersCarriedOut,
    int Tickets, int Events, DateTimeOffset FirstEventAt, DateTimeOffset LastEventAt, int CallEvents = 0);

/// <summary>A generated month: its events in event-time order (per ticket in causal order) and its figures.</summary>
public sealed record GeneratedMonth(string Month, IReadOnlyList<TicketEvent> Events, GenerationStats Stats)
{
    public DateTimeOffset MonthStart => CityTime.StartOfDay(ParseMonth(Month));
    public DateTimeOffset MonthEnd => CityTime.EndOfMonth(Month);

    internal static DateOnly ParseMonth(string m) =>
        CityTime.TryParseMonth(m, out var first) ? first : throw new FormatException($"month '{m}' is not YYYY-MM");
}

/// <summary>
/// Generates a month of ticket events that reproduces the target counts of every unit exactly under
/// <see cref="WorkOrderAssessment"/> (an order counts for its final unit in the month of its deadline; handled when
/// first replied by month end; on time when replied by the deadline; every rework and follow-up counts).
/// Deterministic for a seed: one <see cref="Random"/> drawn in a fixed order, no clock, no hash-ordered iteration.
/// </summary>
public static class MonthGenerator
{
    public const int DefaultSeed = 2024;

    /// <summary>
    /// The month's ticket events; with <paramref name="calls"/> also its calls and agents (<see cref="CallCentre"/>),
    /// drawn from a random source of their own so the ticket events are the same either way.
    /// </summary>
    public static GeneratedMonth Generate(ReplayTargets targets, int seed = DefaultSeed, bool calls = false) => new Run(targets, seed, calls).Execute();

    private enum Role { None, OnTime, Late, Unhandled, CarryOut }

    /// <summary>One ticket's plan; events are emitted from it at the end.</summary>
    private sealed class Plan
    {
        public required int Ordinal;
        public required string TicketId;
        public required RequestChannel Channel;
        public required DateTimeOffset ReceivedAt;
        public AssessmentChannel Table => Channels.AssessedAs(Channel);
        public StormKind Storm;
        public bool IsOrder, CarryIn, DueInMonth, ReturnApproved;
        public DateTimeOffset AnsweredAt, DispatchedAt, ReturnRequestedAt, ReturnApprovedAt, FinalDispatchAt, Deadline;
        public RequestType Type = RequestType.Help;
        public Urgency Urgency;
        public string? UnitId, FirstUnitId;
        public TargetRow? Row;
        public Role Role;
        public bool ReplyNextMonth;
        public int Reworks, Dissatisfied, Satisfied;
        public string Category = Categories.Other, District = "", Text = "";
    }

    private sealed class Run(ReplayTargets targets, int seed, bool calls)
    {
        private static readonly WorkingCalendar Cal = WorkingCalendar.China;
        private static readonly DeadlinePolicy Policy = DeadlinePolicy.Default;
        private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

        private readonly Random _rnd = new(seed);
        private readonly string _month = targets.Month;
        private readonly DateOnly _first = GeneratedMonth.ParseMonth(targets.Month);
        private readonly DateTimeOffset _start = CityTime.StartOfDay(GeneratedMonth.ParseMonth(targets.Month));
        private readonly DateTimeOffset _eom = CityTime.EndOfMonth(targets.Month);
        private readonly List<Plan> _plans = [];
        private readonly Dictionary<string, int> _ticketSeq = [];
        private readonly Dictionary<AssessmentChannel, int> _carriedIn = [];
        private readonly Dictionary<AssessmentChannel, int> _carriedOut = [];
        private readonly string[] _districts = SeedUnits.All.Where(u => u.Kind == UnitKind.County).Select(u => u.Name).ToArray();

        public GeneratedMonth Execute()
        {
            var v = MonthVolumes.For(targets);
            var monthCurve = ArrivalCurve.Baseline(_first, _first.AddMonths(1).AddDays(-1), Cal);
            var lastOfPrev = _first.AddDays(-1);
            var prevCurve = ArrivalCurve.Baseline(lastOfPrev.AddDays(-23), lastOfPrev, Cal);

            IntakeHotline(v, monthCurve);
            IntakeLetters(v, monthCurve);
            foreach (var table in new[] { AssessmentChannel.Hotline, AssessmentChannel.Mailbox })
            {
                CarryIn(table, prevCurve);
                AssignUnits(table);
            }
            var byRow = _plans.Where(p => p.Row is not null).GroupBy(p => p.Row!, ByRef).ToDictionary(g => g.Key, g => g.ToList(), ByRef);
            foreach (var row in targets.Rows) AssignRoles(row, byRow.GetValueOrDefault(row) ?? []);

            Describe();
            var events = Emit();
            var callEvents = 0;
            if (calls)
            {
                var placed = _plans.Where(p => p.Table == AssessmentChannel.Hotline && !p.CarryIn && p.ReceivedAt >= _start)
                    .Select(p => new CallToPlace(p.TicketId, p.ReceivedAt, CallCentre.QueueFor(p.Channel, p.Storm, p.Category), true, p.Storm != StormKind.None))
                    .ToList();
                var callList = new CallCentre(new Random(seed * 7919 + 17), _start, _eom).Simulate(placed);
                callEvents = callList.Count;
                events = Merge(events, callList);
            }
            return new GeneratedMonth(_month, events, Stats(v, events) with { CallEvents = callEvents });
        }

        // ---- intake (受理): requests of the month, direct answers, dispatch -------------------------------------

        private void IntakeHotline(MonthVolumes v, ArrivalCurve curve)
        {
            var storm = ArrivalCurve.IceStorm(_first);
            var stormKinds = new (StormKind Kind, double Weight)[]
            {
                (StormKind.Power, 0.30), (StormKind.Network, 0.18), (StormKind.Water, 0.16), (StormKind.Branches, 0.15),
                (StormKind.Bus, 0.08), (StormKind.Highway, 0.08), (StormKind.Gas, 0.05),
            };
            var requests = new List<Plan>(v.Requests);
            for (var i = 0; i < v.Requests; i++)
            {
                var isStorm = i < v.IceStorm;
                var at = isStorm ? storm.Sample(_rnd) : curve.Sample(_rnd);
                requests.Add(NewPlan(RequestChannel.Hotline, at, isStorm ? PickWeighted(stormKinds) : StormKind.None));
            }
            // Special lines (人大代表专线, 政企通) among the ordinary calls; a fixed number of each becomes an order.
            var ordinary = Shuffled(Enumerable.Range(v.IceStorm, v.Requests - v.IceStorm).ToList());
            var k = 0;
            for (var i = 0; i < v.DeputyRequests; i++, k++) Special(requests[ordinary[k]], RequestChannel.DeputyLine, i < v.DeputyOrders);
            for (var i = 0; i < v.EnterpriseRequests; i++, k++) Special(requests[ordinary[k]], RequestChannel.EnterpriseLine, i < v.EnterpriseOrders);
            var stormOrders = Shuffled(Enumerable.Range(0, v.IceStorm).ToList()).Take(v.IceStormOrders);
            foreach (var i in stormOrders) requests[i].IsOrder = true;
            var rest = v.OrdersDispatched - v.IceStormOrders - v.DeputyOrders - v.EnterpriseOrders;
            if (rest > ordinary.Count - k) throw new InvalidOperationException("more work orders than requests");
            for (var i = 0; i < rest; i++, k++) requests[ordinary[k]].IsOrder = true;

            AddChronologically(requests, "12345");
            foreach (var p in requests) Intake(p, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(45), p.Storm != StormKind.None ? 0.3 : 0.02);

            static void Special(Plan p, RequestChannel c, bool order) { p.Channel = c; p.IsOrder = order; }
        }

        private void IntakeLetters(MonthVolumes v, ArrivalCurve curve)
        {
            // 957 letters in February 2024, WeChat 317 of them; the bulletin does not split the rest.
            var channels = new (RequestChannel, double)[] { (RequestChannel.WeChat, 317), (RequestChannel.Mailbox, 380), (RequestChannel.Web, 160), (RequestChannel.Provincial, 100) };
            var letters = new List<Plan>(v.Letters);
            for (var i = 0; i < v.Letters; i++) letters.Add(NewPlan(PickWeighted(channels), curve.Sample(_rnd), StormKind.None));
            foreach (var i in Shuffled(Enumerable.Range(0, v.Letters).ToList()).Take(v.LettersDispatched)) letters[i].IsOrder = true;
            AddChronologically(letters, "MB");
            // Letters are read and dispatched within a working day or so (GB/T 33358: mailbox within 24 h).
            foreach (var p in letters) Intake(p, TimeSpan.FromHours(1), TimeSpan.FromHours(20), 0);
        }

        private void Intake(Plan p, TimeSpan minDelay, TimeSpan maxDelay, double urgentShare)
        {
            if (!p.IsOrder)
            {
                p.AnsweredAt = Before(p.ReceivedAt + Seconds(60, 480), p.ReceivedAt, _eom);
                return;
            }
            PlanDispatch(p, Before(p.ReceivedAt + Seconds((int)minDelay.TotalSeconds, (int)maxDelay.TotalSeconds), p.ReceivedAt, _eom), urgentShare, _eom);
            p.DueInMonth = CityTime.MonthOf(p.Deadline) == _month;
            if (!p.DueInMonth) Bump(_carriedOut, p.Table);
        }

        /// <summary>Dispatch (派单), sometimes to a wrong unit first that gets the order back (退单) before 改派.</summary>
        private void PlanDispatch(Plan p, DateTimeOffset dispatchAt, double urgentShare, DateTimeOffset latest)
        {
            p.DispatchedAt = dispatchAt;
            p.Type = PickWeighted(RequestTypes);
            p.Urgency = _rnd.NextDouble() < urgentShare ? Urgency.Urgent : Urgency.Normal;
            p.ReturnApproved = false;
            p.FinalDispatchAt = dispatchAt;
            if (_rnd.NextDouble() < 0.03)
            {
                var rr = dispatchAt + Seconds(3600, 6 * 3600);
                var ra = rr + Seconds(1800, 3 * 3600);
                var re = ra + Seconds(300, 2400);
                if (re < latest)
                {
                    (p.ReturnApproved, p.ReturnRequestedAt, p.ReturnApprovedAt, p.FinalDispatchAt) = (true, rr, ra, re);
                }
            }
            // The new unit gets a full deadline from the reassignment, exactly as the state machine computes it.
            p.Deadline = Policy.HandlingDeadline(Cal, p.FinalDispatchAt, p.Type, p.Urgency);
        }

        private static readonly (RequestType, double)[] RequestTypes =
            [(RequestType.Consultation, 0.18), (RequestType.Help, 0.47), (RequestType.Suggestion, 0.05), (RequestType.Complaint, 0.25), (RequestType.Report, 0.05)];

        // ---- carry-over (跨月): orders of the previous month that fall due in this one ------------------------

        /// <summary>
        /// Due in the month = dispatched in the month and due in it + carried in; so carried-in = due sum − the
        /// former. Carry-in orders are received and dispatched in the last weeks of the previous month with a
        /// deadline in this one (rejection sampling on the real deadline rule).
        /// </summary>
        private void CarryIn(AssessmentChannel table, ArrivalCurve prevCurve)
        {
            var dueInMonth = _plans.Count(p => p.IsOrder && p.Table == table && p.DueInMonth);
            var need = targets.DueSum(table) - dueInMonth;
            if (need < 0)
            {
                // More orders fall due in the month than the targets allow: push some into the next month with an
                // explicit deadline (a policy the centre can set per order).
                foreach (var p in Shuffled(_plans.Where(p => p.IsOrder && p.Table == table && p.DueInMonth && !p.ReturnApproved).ToList()).Take(-need))
                {
                    p.Deadline = CityTime.EndOfDay(_first.AddMonths(1).AddDays(_rnd.Next(0, 5)));
                    p.DueInMonth = false;
                    ExplicitDeadline.Add(p.Ordinal);
                    Bump(_carriedOut, table);
                }
                need = 0;
            }
            var prevEnd = _start.AddSeconds(-1);
            var made = new List<Plan>(need);
            for (var i = 0; i < need; i++)
            {
                var channel = table == AssessmentChannel.Hotline ? RequestChannel.Hotline : PickWeighted(CarryInLetterChannels);
                var p = NewPlan(channel, _start, StormKind.None);
                p.IsOrder = p.CarryIn = p.DueInMonth = true;
                var ok = false;
                for (var attempt = 0; attempt < 60 && !ok; attempt++)
                {
                    p.ReceivedAt = prevCurve.Sample(_rnd);
                    PlanDispatch(p, Before(p.ReceivedAt + Seconds(180, 3600), p.ReceivedAt, prevEnd), 0.01, prevEnd);
                    ok = CityTime.MonthOf(p.Deadline) == _month;
                }
                if (!ok)
                {
                    // A consultation dispatched on the last day is due within two working days: in the month.
                    p.ReceivedAt = CityTime.StartOfDay(_first.AddDays(-1)).AddHours(10);
                    PlanDispatch(p, p.ReceivedAt.AddMinutes(20), 0, p.ReceivedAt);
                    p.Type = RequestType.Consultation;
                    p.Urgency = Urgency.Normal;
                    p.Deadline = Policy.HandlingDeadline(Cal, p.FinalDispatchAt, p.Type, p.Urgency);
                    if (CityTime.MonthOf(p.Deadline) != _month) throw new InvalidOperationException($"cannot carry an order into {_month}");
                }
                made.Add(p);
            }
            _carriedIn[table] = need;
            AddChronologically(made, table == AssessmentChannel.Hotline ? "12345" : "MB");
        }

        private readonly HashSet<int> ExplicitDeadline = [];

        private static readonly (RequestChannel, double)[] CarryInLetterChannels = [(RequestChannel.WeChat, 1.0), (RequestChannel.Mailbox, 1.2), (RequestChannel.Web, 0.5)];

        // ---- units (承办单位) ------------------------------------------------------------------------------------

        private static readonly Dictionary<StormKind, string[]> StormUnits = new()
        {
            [StormKind.Power] = ["state-grid-yueyang"],
            [StormKind.Water] = ["water-group"],
            [StormKind.Gas] = ["cr-gas"],
            [StormKind.Network] = ["china-mobile", "china-telecom", "china-unicom"],
            [StormKind.Branches] = ["urban-management"],
            [StormKind.Bus] = ["bus-group", "transport-bureau"],
            [StormKind.Highway] = ["highway-maintenance", "traffic-police", "transport-bureau"],
        };

        /// <summary>
        /// Gives every order due in the month a target row so that each row gets exactly its due count. Ice-storm
        /// orders go first to the utilities for their kind (at most 70 % of a unit's orders) or to the counties;
        /// then rows that need late replies get slots whose deadline leaves room for one; the rest at random.
        /// </summary>
        private void AssignUnits(AssessmentChannel table)
        {
            var rows = targets.Rows.Where(r => r.Channel == table).ToList();
            var slots = _plans.Where(p => p.IsOrder && p.Table == table && p.DueInMonth).ToList();
            // Rows are records: key them by reference, structural equality would compare whole rows every time.
            var left = rows.ToDictionary(r => r, r => r.Counts.Due, ByRef);
            var stormLeft = rows.ToDictionary(r => r, r => (int)(r.Counts.Due * 0.7), ByRef);
            var counties = rows.Where(r => SeedUnits.All.First(u => u.Id == r.UnitId).Kind == UnitKind.County).ToList();
            var assigned = new List<Plan>();

            void Give(Plan p, TargetRow r) { p.Row = r; p.UnitId = r.UnitId; left[r]--; assigned.Add(p); }

            foreach (var p in slots.Where(p => p.Storm != StormKind.None))
            {
                var ids = StormUnits[p.Storm];
                var candidates = rows.Where(r => ids.Contains(r.UnitId) && stormLeft[r] > 0 && left[r] > 0).ToList();
                if (candidates.Count == 0) candidates = counties.Where(r => stormLeft[r] > 0 && left[r] > 0).ToList();
                if (candidates.Count == 0) continue; // an ordinary slot then
                var row = PickWeighted(candidates.Select(r => (r, (double)left[r])).ToArray());
                stormLeft[row]--;
                Give(p, row);
            }

            var eligible = Shuffled(slots.Where(p => p.Row is null && LateEligible(p)).ToList());
            var e = 0;
            foreach (var r in rows)
            {
                var late = r.Counts.Handled - r.Counts.OnTime;
                var have = assigned.Count(p => ReferenceEquals(p.Row, r) && LateEligible(p));
                for (var i = have; i < late; i++)
                {
                    if (e >= eligible.Count || left[r] == 0)
                        throw new InvalidOperationException($"Line {r.Line} ({r.Row.Unit}): not enough orders with a deadline before the month's end for {late} late replies");
                    Give(eligible[e++], r);
                }
            }

            var rest = Shuffled(slots.Where(p => p.Row is null).ToList());
            var i2 = 0;
            foreach (var r in rows)
                for (; left[r] > 0; i2++) Give(rest[i2], r);
            if (i2 != rest.Count) throw new InvalidOperationException($"{rest.Count - i2} due orders left without a unit");

            // Orders falling due next month (and the first, wrong unit of returned orders) go anywhere plausible.
            var weights = rows.Where(r => r.Counts.Due > 0).Select(r => (r, (double)r.Counts.Due)).ToArray();
            foreach (var p in _plans.Where(p => p.IsOrder && p.Table == table && !p.DueInMonth))
            {
                var ids = p.Storm != StormKind.None ? StormUnits[p.Storm].Where(id => rows.Any(r => r.UnitId == id)).ToArray() : [];
                p.UnitId = ids.Length > 0 ? ids[_rnd.Next(ids.Length)] : weights.Length > 0 ? PickWeighted(weights).UnitId : SeedUnits.All[0].Id;
            }
            foreach (var p in _plans.Where(p => p.IsOrder && p.Table == table && p.ReturnApproved))
            {
                string first;
                do first = weights.Length > 1 ? PickWeighted(weights).UnitId : SeedUnits.All[_rnd.Next(SeedUnits.All.Count)].Id;
                while (first == p.UnitId);
                p.FirstUnitId = first;
            }
        }

        /// <summary>A late reply (after the deadline, by month end) needs a deadline a day before the month ends.</summary>
        private bool LateEligible(Plan p) => p.Deadline <= _eom.AddDays(-1);

        // ---- roles: on time, late, not handled; reworks and follow-ups -----------------------------------------

        private void AssignRoles(TargetRow row, List<Plan> orders)
        {
            var c = row.Counts;
            var lateCount = c.Handled - c.OnTime;
            var late = Shuffled(orders.Where(LateEligible).ToList()).Take(lateCount).ToList();
            foreach (var p in late) p.Role = Role.Late;
            var others = Shuffled(orders.Where(p => p.Role == Role.None).ToList());
            for (var i = 0; i < others.Count; i++) others[i].Role = i < c.Due - c.Handled ? Role.Unhandled : Role.OnTime;

            // Reworks and follow-ups need a reply first: on handled orders; if none was handled, on orders replied
            // next month (they still count for this month's row).
            var replied = orders.Where(p => p.Role is Role.OnTime or Role.Late).ToList();
            if (replied.Count == 0 && (c.Rework > 0 || c.FollowUps > 0))
            {
                replied = orders;
                foreach (var p in replied) p.ReplyNextMonth = true;
            }
            if (replied.Count == 0) return;
            Spread(c.Rework, Shuffled(replied), (p, n) => p.Reworks = n);
            var followUps = new Dictionary<Plan, int>();
            Spread(c.FollowUps, Shuffled(replied), (p, n) => followUps[p] = n);
            // Dissatisfied visits first on the orders that were sent back for rework (不满意 → 返工), then at random.
            var dissatisfied = c.Dissatisfied;
            foreach (var p in replied.Where(p => p.Reworks > 0))
            {
                var d = Math.Min(Math.Min(p.Reworks, followUps[p]), dissatisfied);
                p.Dissatisfied = d;
                dissatisfied -= d;
            }
            var visitSlots = new List<Plan>();
            foreach (var p in replied)
                for (var i = p.Dissatisfied; i < followUps[p]; i++) visitSlots.Add(p);
            foreach (var p in Shuffled(visitSlots).Take(dissatisfied)) p.Dissatisfied++;
            foreach (var p in replied) p.Satisfied = followUps[p] - p.Dissatisfied;
        }

        private static void Spread(int total, List<Plan> over, Action<Plan, int> set)
        {
            for (var i = 0; i < over.Count; i++) set(over[i], total / over.Count + (i < total % over.Count ? 1 : 0));
        }

        // ---- what the requests are about -----------------------------------------------------------------------

        private static readonly Dictionary<string, string> UnitCategory = new()
        {
            ["state-grid-yueyang"] = Categories.PublicServices, ["water-group"] = Categories.PublicServices, ["cr-gas"] = Categories.PublicServices,
            ["china-mobile"] = Categories.PublicServices, ["china-telecom"] = Categories.PublicServices, ["china-unicom"] = Categories.PublicServices,
            ["post-office"] = Categories.PublicServices, ["postal-administration"] = Categories.PublicServices, ["broadcasting-station"] = Categories.PublicServices,
            ["health-commission"] = Categories.PublicServices, ["education-sports"] = Categories.PublicServices, ["civil-affairs"] = Categories.PublicServices,
            ["culture-tourism"] = Categories.PublicServices, ["medical-insurance"] = Categories.HrSocialSecurity,
            ["bus-group"] = Categories.Transport, ["transport-bureau"] = Categories.Transport, ["traffic-police"] = Categories.Transport,
            ["highway-maintenance"] = Categories.Transport, ["maritime-safety"] = Categories.Transport,
            ["human-resources-social-security"] = Categories.HrSocialSecurity,
            ["urban-management"] = Categories.CityManagement, ["urban-investment-group"] = Categories.CityManagement,
            ["urban-operations-group"] = Categories.CityManagement, ["urban-operations-group-co"] = Categories.CityManagement,
            ["market-regulation"] = Categories.MarketRegulation, ["financial-regulation-branch"] = Categories.MarketRegulation, ["pboc-branch"] = Categories.MarketRegulation,
            ["public-security"] = Categories.PublicSecurity, ["fire-rescue"] = Categories.PublicSecurity, ["emergency-management"] = Categories.PublicSecurity,
            ["housing-construction"] = Categories.HousingConstruction, ["housing-provident-fund"] = Categories.HousingConstruction, ["natural-resources-planning"] = Categories.HousingConstruction,
        };

        /// <summary>
        /// Categories: an order gets its unit's category (counties: drawn from the published shares); direct answers
        /// make up the difference, so that the month's hotline-platform requests match the published shares.
        /// </summary>
        private void Describe()
        {
            var shares = Categories.All.Select(c => (c.Id, c.Share)).ToArray();
            var countyIds = SeedUnits.All.Where(u => u.Kind == UnitKind.County).ToDictionary(u => u.Id, u => u.Name);
            var countyWeights = _districts.Select(d => (d, 1.0 + targets.Rows.Where(r => r.Row.Unit == d).Sum(r => r.Counts.Due))).ToArray();
            var fixedCount = Categories.All.ToDictionary(c => c.Id, _ => 0);
            var free = new List<Plan>();
            foreach (var p in _plans)
            {
                p.District = p.UnitId is { } u && countyIds.TryGetValue(u, out var county) ? county : PickWeighted(countyWeights);
                if (p.Storm != StormKind.None) p.Category = TextBank.StormCategory(p.Storm);
                else if (p.IsOrder) p.Category = p.UnitId is { } id && UnitCategory.TryGetValue(id, out var cat) ? cat : PickWeighted(shares);
                else if (p.Table == AssessmentChannel.Hotline) { free.Add(p); continue; }
                else p.Category = PickWeighted(shares);
                if (p.Table == AssessmentChannel.Hotline && !p.CarryIn) fixedCount[p.Category]++;
            }
            var total = free.Count + fixedCount.Values.Sum();
            var wanted = Categories.All.Select(c => (c.Id, Math.Max(0.0, c.Share * total - fixedCount[c.Id]))).ToArray();
            var sum = wanted.Sum(w => w.Item2);
            var labels = new List<string>(free.Count);
            if (sum <= 0) wanted = shares; // nothing to make up (or no hotline at all): plain shares
            else foreach (var (id, want) in wanted) labels.AddRange(Enumerable.Repeat(id, (int)Math.Floor(want / sum * free.Count)));
            while (labels.Count < free.Count) labels.Add(PickWeighted(wanted));
            labels = Shuffled(labels);
            for (var i = 0; i < free.Count; i++) free[i].Category = labels[i];
            foreach (var p in _plans)
                p.Text = p.Storm != StormKind.None ? TextBank.For(p.Storm, _rnd)
                    : p.IsOrder && p.UnitId is { } unit && UnitCategory.GetValueOrDefault(unit) == p.Category ? TextBank.For(unit, p.Category, _rnd)
                    : TextBank.For(p.Category, _rnd);
        }

        // ---- events ---------------------------------------------------------------------------------------------

        private static readonly IEqualityComparer<TargetRow> ByRef = ReferenceEqualityComparer.Instance;
        private static readonly string[] WireTypes = Enum.GetValues<TicketEventType>().Select(TicketEventTypes.Wire).ToArray();

        private sealed class Emitter(Plan p, List<(long Ticks, int Ordinal, int Seq, TicketEvent E)> sink)
        {
            private int _seq;
            public DateTimeOffset Last;
            // One allocation per event: the optional fields are set in the initializer, not by cloning with `with`.
            public void Add(TicketEventType type, DateTimeOffset at, string? unitId = null, string? reason = null, string? outcome = null,
                DateTimeOffset? deadline = null, string? urgency = null)
            {
                if (at < Last) throw new InvalidOperationException($"ticket {p.TicketId}: {type} at {at:O} before {Last:O}");
                Last = at;
                sink.Add((at.UtcTicks, p.Ordinal, ++_seq, new TicketEvent
                {
                    Id = $"{p.TicketId}-{_seq:D2}", Type = WireTypes[(int)type], TicketId = p.TicketId, At = at,
                    UnitId = unitId, Reason = reason, Outcome = outcome, Deadline = deadline, Urgency = urgency,
                }));
            }

            public void AddReceived()
            {
                Last = p.ReceivedAt;
                sink.Add((p.ReceivedAt.UtcTicks, p.Ordinal, ++_seq, new TicketEvent
                {
                    Id = $"{p.TicketId}-{_seq:D2}", Type = WireTypes[(int)TicketEventType.Received], TicketId = p.TicketId, At = p.ReceivedAt,
                    Channel = Channels.Wire(p.Channel), Category = p.Category, District = p.District, Text = p.Text,
                    Tags = p.Storm != StormKind.None ? ["ice-storm"] : null,
                    RequestType = p.IsOrder ? WireNames<RequestType>.Of(p.Type) : null,
                }));
            }
        }

        private List<TicketEvent> Emit()
        {
            var sink = new List<(long Ticks, int Ordinal, int Seq, TicketEvent E)>(_plans.Count * 6);
            foreach (var p in _plans) EmitTicket(p, new Emitter(p, sink));
            sink.Sort((a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Ordinal != b.Ordinal ? a.Ordinal.CompareTo(b.Ordinal) : a.Seq.CompareTo(b.Seq));
            return sink.Select(s => s.E).ToList();
        }

        /// <summary>Two event-time-ordered lists into one; ticket events first within a second.</summary>
        private static List<TicketEvent> Merge(List<TicketEvent> a, List<TicketEvent> b)
        {
            var all = new List<TicketEvent>(a.Count + b.Count);
            int i = 0, j = 0;
            while (i < a.Count || j < b.Count)
                all.Add(j >= b.Count || (i < a.Count && a[i].At <= b[j].At) ? a[i++] : b[j++]);
            return all;
        }

        private void EmitTicket(Plan p, Emitter em)
        {
            em.AddReceived();
            if (!p.IsOrder)
            {
                em.Add(TicketEventType.Answered, p.AnsweredAt);
                return;
            }
            var explicitDeadline = ExplicitDeadline.Contains(p.Ordinal);
            em.Add(TicketEventType.Dispatched, p.DispatchedAt, unitId: p.FirstUnitId ?? p.UnitId,
                urgency: p.Urgency == Urgency.Urgent ? "urgent" : null, deadline: explicitDeadline ? p.Deadline : null);
            if (p.ReturnApproved)
            {
                em.Add(TicketEventType.ReturnRequested, p.ReturnRequestedAt, reason: "不属于本单位职责范围，申请退单");
                em.Add(TicketEventType.ReturnApproved, p.ReturnApprovedAt, reason: "经核实，改派责任单位");
                em.Add(TicketEventType.Reassigned, p.FinalDispatchAt, unitId: p.UnitId);
            }
            switch (p.Role)
            {
                case Role.OnTime or Role.Late: Handled(p, em); break;
                case Role.Unhandled when p.ReplyNextMonth: Handled(p, em); break;
                case Role.Unhandled: Unhandled(p, em); break;
                default: CarryOut(p, em); break;
            }
        }

        /// <summary>Signed, maybe a refused return or an extension, the reply, then the follow-up loop and 结案.</summary>
        private void Handled(Plan p, Emitter em)
        {
            var pre = new List<(TicketEventType Type, string? Reason)>();
            if (_rnd.NextDouble() < 0.95) pre.Add((TicketEventType.Signed, null));
            if (_rnd.NextDouble() < 0.015)
            {
                pre.Add((TicketEventType.ReturnRequested, "诉求涉及多个部门，申请退回"));
                pre.Add((TicketEventType.ReturnRejected, "属本单位职责，请继续办理"));
            }
            var deadline = p.Deadline;
            DateTimeOffset? extendTo = null;
            // 延期: rare, and only within the month so the order stays due in it.
            if (p.Role == Role.OnTime && _rnd.NextDouble() < 0.005 && p.Deadline.AddDays(3) <= _eom)
            {
                extendTo = p.Deadline.AddDays(2);
                pre.Add((TicketEventType.Extended, null));
            }
            var post = PostReply(p);
            var postRoom = TimeSpan.FromMinutes(post.Count + 1);
            DateTimeOffset lo, hi;
            if (p.ReplyNextMonth) (lo, hi) = (_eom.AddHours(1), _eom.AddDays(3));
            else if (p.Role == Role.Late) (lo, hi) = (Max(deadline + Minute, p.FinalDispatchAt + Minute * (pre.Count + 1)), Min(_eom - postRoom, deadline.AddDays(4)));
            else (lo, hi) = (p.FinalDispatchAt + Minute * (pre.Count + 1), Min(extendTo ?? deadline, _eom - postRoom));
            if (hi < lo) throw new InvalidOperationException($"ticket {p.TicketId}: no room for its reply ({lo:O}..{hi:O})");
            var reply = lo + (hi - lo) * (0.1 + 0.8 * _rnd.NextDouble());
            reply = Trunc(reply);
            var preTimes = Times(p.FinalDispatchAt, Min(reply, deadline), pre.Count);
            for (var i = 0; i < pre.Count; i++)
            {
                var (type, reason) = pre[i];
                em.Add(type, preTimes[i], reason: reason, deadline: type == TicketEventType.Extended ? extendTo : null);
            }
            if (extendTo is { } d) p.Deadline = d;
            em.Add(TicketEventType.Replied, reply);
            var end = p.ReplyNextMonth || reply > _eom ? reply.AddDays(7) : Min(_eom, reply.AddDays(6));
            var postTimes = Times(reply, end, post.Count);
            for (var i = 0; i < post.Count; i++)
            {
                var (type, outcome, reason) = post[i];
                em.Add(type, postTimes[i], reason: reason, outcome: outcome);
            }
        }

        /// <summary>The loop after the first reply: 回访, 返工 and a new reply per rework, 督办, 结案.</summary>
        private List<(TicketEventType Type, string? Outcome, string? Reason)> PostReply(Plan p)
        {
            var steps = new List<(TicketEventType, string?, string?)>();
            var dissatisfied = p.Dissatisfied;
            var supervise = dissatisfied > 0 && _rnd.NextDouble() < 704.0 / 6480; // 704 supervised of 6,480 dissatisfied
            void Dissatisfied()
            {
                steps.Add((TicketEventType.FollowedUp, "dissatisfied", null));
                dissatisfied--;
                if (supervise) { steps.Add((TicketEventType.Supervised, null, "群众不满意，督办整改")); supervise = false; }
            }
            for (var r = 0; r < p.Reworks; r++)
            {
                if (dissatisfied > 0) Dissatisfied();
                steps.Add((TicketEventType.ReworkOrdered, null, "回访核实未解决，退回重办"));
                steps.Add((TicketEventType.Replied, null, null));
            }
            while (dissatisfied > 0) Dissatisfied();
            for (var i = 0; i < p.Satisfied; i++)
                steps.Add((TicketEventType.FollowedUp, _rnd.NextDouble() < 0.15 ? "basicallySatisfied" : "satisfied", null));
            if (_rnd.NextDouble() < 0.96) steps.Add((TicketEventType.Closed, null, null));
            return steps;
        }

        /// <summary>No reply by month end; overdue ones are often put under supervision (督办).</summary>
        private void Unhandled(Plan p, Emitter em)
        {
            var until = Min(p.Deadline, _eom);
            if (_rnd.NextDouble() < 0.9 && until > p.FinalDispatchAt.AddMinutes(2)) em.Add(TicketEventType.Signed, Times(p.FinalDispatchAt, Min(until, p.FinalDispatchAt.AddDays(1)), 1)[0]);
            if (_rnd.NextDouble() < 0.6 && p.Deadline.AddHours(2) < _eom)
                em.Add(TicketEventType.Supervised, Times(p.Deadline, _eom, 1)[0], reason: "超期未办结，督办");
        }

        /// <summary>Due next month: signed, and replied, visited and closed within this month when the reply comes early.</summary>
        private void CarryOut(Plan p, Emitter em)
        {
            if (_rnd.NextDouble() < 0.95) em.Add(TicketEventType.Signed, Times(p.FinalDispatchAt, Min(_eom, p.FinalDispatchAt.AddDays(1)), 1)[0]);
            var reply = Trunc(em.Last + (p.Deadline - em.Last) * (0.1 + 0.8 * _rnd.NextDouble()));
            if (reply > _eom.AddHours(-1)) return;
            em.Add(TicketEventType.Replied, reply);
            var steps = new List<(TicketEventType, string?)> { (TicketEventType.FollowedUp, _rnd.NextDouble() < 0.9 ? "satisfied" : "dissatisfied") };
            if (_rnd.NextDouble() < 0.9) steps.Add((TicketEventType.Closed, null));
            var times = Times(reply, Min(_eom, reply.AddDays(5)), steps.Count);
            for (var i = 0; i < steps.Count; i++) em.Add(steps[i].Item1, times[i], outcome: steps[i].Item2);
        }

        // ---- helpers --------------------------------------------------------------------------------------------

        private Plan NewPlan(RequestChannel channel, DateTimeOffset at, StormKind storm) =>
            new() { Ordinal = -1, TicketId = "", Channel = channel, ReceivedAt = at, Storm = storm };

        /// <summary>Numbers tickets by day in time order (受理编号 like 12345-20240201-00017) and keeps them.</summary>
        private void AddChronologically(List<Plan> plans, string prefix)
        {
            plans.Sort((a, b) => a.ReceivedAt.CompareTo(b.ReceivedAt));
            foreach (var p in plans)
            {
                var date = CityTime.Date(p.ReceivedAt);
                var key = $"{prefix}-{date.Year:D4}{date.Month:D2}{date.Day:D2}";
                var n = _ticketSeq.GetValueOrDefault(key) + 1;
                _ticketSeq[key] = n;
                p.TicketId = $"{key}-{n:D5}";
                p.Ordinal = _plans.Count;
                _plans.Add(p);
            }
        }

        /// <summary><paramref name="n"/> strictly increasing whole-second times in (from, to].</summary>
        private DateTimeOffset[] Times(DateTimeOffset from, DateTimeOffset to, int n)
        {
            var result = new DateTimeOffset[n];
            if (n == 0) return result;
            var span = (long)Math.Floor((to - from).TotalSeconds);
            if (span < n) throw new InvalidOperationException($"no room for {n} events between {from:O} and {to:O}");
            var picks = new SortedSet<long>();
            if (span >= 4L * n) { while (picks.Count < n) picks.Add(1 + _rnd.NextInt64(span)); }
            else for (var i = 1; i <= n; i++) picks.Add(i * span / n);
            var k = 0;
            foreach (var s in picks) result[k++] = Trunc(from).AddSeconds(s);
            return result;
        }

        private DateTimeOffset Before(DateTimeOffset wanted, DateTimeOffset earliest, DateTimeOffset latest) =>
            wanted <= latest ? wanted : Trunc(earliest + (latest - earliest) / 2);

        private TimeSpan Seconds(int min, int max) => TimeSpan.FromSeconds(_rnd.Next(min, max + 1));

        private static DateTimeOffset Trunc(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);
        private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
        private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
        private static void Bump(Dictionary<AssessmentChannel, int> d, AssessmentChannel c) => d[c] = d.GetValueOrDefault(c) + 1;

        private T PickWeighted<T>((T Item, double Weight)[] items)
        {
            var u = _rnd.NextDouble() * items.Sum(i => i.Weight);
            foreach (var (item, w) in items)
                if ((u -= w) < 0) return item;
            return items[^1].Item;
        }

        private List<T> Shuffled<T>(List<T> list)
        {
            for (var i = list.Count - 1; i > 0; i--)
            {
                var j = _rnd.Next(i + 1);
                (list[i], list[j]) = (list[j], list[i]);
            }
            return list;
        }

        private GenerationStats Stats(MonthVolumes v, List<TicketEvent> events)
        {
            int H(AssessmentChannel c, Dictionary<AssessmentChannel, int> d) => d.GetValueOrDefault(c);
            return new GenerationStats(_month, seed,
                v.Requests, v.AnsweredDirectly, v.OrdersDispatched, targets.DueSum(AssessmentChannel.Hotline),
                H(AssessmentChannel.Hotline, _carriedIn), H(AssessmentChannel.Hotline, _carriedOut),
                v.IceStorm, v.DeputyRequests, v.DeputyOrders, v.EnterpriseRequests, v.EnterpriseOrders,
                v.Letters, v.Letters - v.LettersDispatched, v.LettersDispatched, targets.DueSum(AssessmentChannel.Mailbox),
                H(AssessmentChannel.Mailbox, _carriedIn), H(AssessmentChannel.Mailbox, _carriedOut),
                _plans.Count, events.Count, events.Count > 0 ? events[0].At!.Value : _start, events.Count > 0 ? events[^1].At!.Value : _start);
        }
    }
}

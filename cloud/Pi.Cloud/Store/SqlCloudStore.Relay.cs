using System.Data.Common;
using Dapper;

namespace Pi.Cloud.Store;

/// <summary>The relay bridge: per-gateway cursors and what the bridge says about sub-devices.</summary>
internal sealed partial class SqlCloudStore
{
    private const string RelayCursorColumns = "tid, stream, seq, dropped_total, updated_at";

    private const string SubDeviceStatusColumns = "did, online, availability_at, last_seen_at, telemetry_json, telemetry_at";

    // One row per sub-device; only a live sub-device of this gateway gets one (the EXISTS), whatever
    // the caller checked before. Each column keeps the newest value by its own time.
    private const string UpsertSubDeviceStatus =
        $"""
        INSERT INTO sub_device_status ({SubDeviceStatusColumns})
        SELECT @did, @online, @availabilityAt, @lastSeenAt, @telemetryJson, @telemetryAt
        WHERE EXISTS (SELECT 1 FROM sub_devices WHERE did = @did AND tid = @tid AND state <> @removing)
        {UpsertSubDeviceStatusConflict}
        """;

    // The same rule for many sub-devices in one statement (a relay's), from a VALUES list whose
    // columns both SQLite and PostgreSQL name column1..column6.
    private const string UpsertSubDeviceStatusesHead =
        $"""
        INSERT INTO sub_device_status ({SubDeviceStatusColumns})
        SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6 FROM (VALUES
        """;

    private const string UpsertSubDeviceStatusesTail =
        $"""
        ) AS v
        WHERE EXISTS (SELECT 1 FROM sub_devices WHERE did = v.column1 AND tid = @tid AND state <> @removing)
        {UpsertSubDeviceStatusConflict}
        """;

    private const string UpsertSubDeviceStatusConflict =
        """
        ON CONFLICT (did) DO UPDATE SET
            online = CASE WHEN excluded.availability_at IS NOT NULL AND (sub_device_status.availability_at IS NULL OR excluded.availability_at >= sub_device_status.availability_at)
                THEN excluded.online ELSE sub_device_status.online END,
            availability_at = CASE WHEN excluded.availability_at IS NOT NULL AND (sub_device_status.availability_at IS NULL OR excluded.availability_at >= sub_device_status.availability_at)
                THEN excluded.availability_at ELSE sub_device_status.availability_at END,
            last_seen_at = CASE WHEN sub_device_status.last_seen_at IS NULL OR excluded.last_seen_at > sub_device_status.last_seen_at
                THEN excluded.last_seen_at ELSE sub_device_status.last_seen_at END,
            telemetry_json = CASE WHEN excluded.telemetry_at IS NOT NULL AND (sub_device_status.telemetry_at IS NULL OR excluded.telemetry_at >= sub_device_status.telemetry_at)
                THEN excluded.telemetry_json ELSE sub_device_status.telemetry_json END,
            telemetry_at = CASE WHEN excluded.telemetry_at IS NOT NULL AND (sub_device_status.telemetry_at IS NULL OR excluded.telemetry_at >= sub_device_status.telemetry_at)
                THEN excluded.telemetry_at ELSE sub_device_status.telemetry_at END
        """;

    public Task<RelayApplied> ApplyRelayAsync(string tid, string stream, IReadOnlyList<RelayEntry> entries, long dropped, long? after, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tid);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfNegative(dropped);
        if (after is { } a)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(a, nameof(after));
        }
        if (entries.Count == 0)
        {
            throw new ArgumentException("A relay has at least one entry.", nameof(entries));
        }

        for (var i = 0; i < entries.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(entries[i], nameof(entries));
            if (entries[i].Seq < 1 || (i > 0 && entries[i].Seq <= entries[i - 1].Seq))
            {
                throw new ArgumentException("Relay entries need seqs of at least 1 in strictly increasing order.", nameof(entries));
            }
        }

        return WriteAsync("handling a relay", async (connection, transaction) =>
        {
            // Relays of one gateway queue on its row (PostgreSQL) or the file (SQLite): two cloud
            // workers given the same resent relay handle it once between them.
            if (await LockGatewayAsync(connection, transaction, tid, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new StoreConflictException("The store refused handling a relay: its gateway is not registered.");
            }

            var cursor = await QuerySingleAsync(
                connection,
                Command($"SELECT {RelayCursorColumns} FROM relay_cursors WHERE tid = @tid", new { tid }, transaction, cancellationToken),
                ReadRelayCursor).ConfigureAwait(false);
            var newStream = cursor is null || !string.Equals(cursor.Stream, stream, StringComparison.Ordinal);
            var last = newStream ? 0 : cursor!.Seq;
            if (after > last)
            {
                // Sent behind a relay that was not handled (or not yet, on another worker): handling
                // it would move the cursor past that relay's items. The gateway sends it again.
                return new RelayApplied(0, false, cursor?.DroppedTotal ?? 0, OutOfOrder: true);
            }
            var skipped = 0;
            while (skipped < entries.Count && entries[skipped].Seq <= last)
            {
                skipped++;
            }

            var droppedTotal = cursor?.DroppedTotal ?? 0;
            if (skipped == entries.Count)
            {
                // Everything was handled before (a resend whose ack was lost): nothing changes, not
                // even the dropped total, which that first delivery already counted.
                return new RelayApplied(skipped, false, droppedTotal);
            }

            await UpsertStatusesAsync(connection, transaction, tid, [.. Merge(entries, skipped)], cancellationToken).ConfigureAwait(false);

            // Lost up-packets are the gaps in seq: a queue's seqs are consecutive and only the
            // dropped ones never arrive. Counting gaps (rather than adding the relay's own dropped
            // count) stays exact when a relay is sent again with new items after a lost ack.
            long lost = 0;
            var previous = last;
            for (var i = skipped; i < entries.Count; i++)
            {
                lost = checked(lost + (entries[i].Seq - previous - 1));
                previous = entries[i].Seq;
            }
            droppedTotal = checked(droppedTotal + lost);
            await connection.ExecuteAsync(Command(
                $"""
                INSERT INTO relay_cursors ({RelayCursorColumns}) VALUES (@tid, @stream, @seq, @droppedTotal, @updatedAt)
                ON CONFLICT (tid) DO UPDATE SET stream = excluded.stream, seq = excluded.seq,
                    dropped_total = excluded.dropped_total, updated_at = excluded.updated_at
                """,
                new { tid, stream, seq = entries[^1].Seq, droppedTotal, updatedAt = StoreRows.ToMilliseconds(now) },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            return new RelayApplied(skipped, newStream, droppedTotal, Lost: lost);
        }, cancellationToken);
    }

    public Task RecordSubDeviceActivityAsync(string tid, SubDeviceActivity activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tid);
        ArgumentNullException.ThrowIfNull(activity);
        return WriteAsync("recording sub-device activity", async (connection, transaction) =>
        {
            await LockGatewayAsync(connection, transaction, tid, cancellationToken).ConfigureAwait(false);
            return await UpsertStatusAsync(connection, transaction, tid, Merged.From(activity), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<RelayCursorRecord?> FindRelayCursorAsync(string tid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tid);
        return ReadAsync(connection => QuerySingleAsync(
            connection,
            Command($"SELECT {RelayCursorColumns} FROM relay_cursors WHERE tid = @tid", new { tid }, null, cancellationToken),
            ReadRelayCursor), cancellationToken);
    }

    public Task<IReadOnlyList<SubDeviceStatusRecord>> GetSubDeviceStatusesAsync(string tid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tid);
        return ReadAsync(connection => QueryListAsync(
            connection,
            Command(
                $"""
                SELECT {SubDeviceStatusColumns} FROM sub_device_status
                WHERE did IN (SELECT did FROM sub_devices WHERE tid = @tid)
                ORDER BY did{_dialect.OrdinalCollation}
                """,
                new { tid },
                null,
                cancellationToken),
            ReadSubDeviceStatus), cancellationToken);
    }

    /// <summary>Folds the entries from <paramref name="start"/> on into one change per sub-device, newest values winning.</summary>
    private static Dictionary<string, Merged>.ValueCollection Merge(IReadOnlyList<RelayEntry> entries, int start)
    {
        var byDid = new Dictionary<string, Merged>(StringComparer.Ordinal);
        for (var i = start; i < entries.Count; i++)
        {
            if (entries[i].Activity is not { } activity)
            {
                continue;
            }

            var next = Merged.From(activity);
            byDid[activity.Did] = byDid.TryGetValue(activity.Did, out var merged) ? merged.With(next) : next;
        }

        return byDid.Values;
    }

    private static async Task<bool> UpsertStatusAsync(DbConnection connection, DbTransaction transaction, string tid, Merged change, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(Command(
            UpsertSubDeviceStatus,
            new
            {
                tid,
                did = change.Did,
                online = change.Online is { } online ? (online ? 1 : 0) : (int?)null,
                availabilityAt = Milliseconds(change.AvailabilityAt),
                lastSeenAt = StoreRows.ToMilliseconds(change.LastSeenAt),
                telemetryJson = change.TelemetryJson,
                telemetryAt = Milliseconds(change.TelemetryAt),
                removing = (int)SubDeviceState.Removing,
            },
            transaction,
            cancellationToken)).ConfigureAwait(false) > 0;

    /// <summary>One statement for all of a relay's sub-devices (one per sub-device cost a round trip each).</summary>
    private static async Task UpsertStatusesAsync(DbConnection connection, DbTransaction transaction, string tid, IReadOnlyList<Merged> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }
        var sql = new System.Text.StringBuilder(UpsertSubDeviceStatusesHead.Length + UpsertSubDeviceStatusesTail.Length + (changes.Count * 64));
        sql.Append(UpsertSubDeviceStatusesHead);
        var parameters = new DynamicParameters();
        parameters.Add("tid", tid, System.Data.DbType.String);
        parameters.Add("removing", (int)SubDeviceState.Removing, System.Data.DbType.Int32);
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var n = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "\n" : ",\n").Append($"(@d{n}, @o{n}, @a{n}, @l{n}, @j{n}, @t{n})");
            parameters.Add("d" + n, change.Did, System.Data.DbType.String);
            parameters.Add("o" + n, change.Online is { } online ? (online ? 1 : 0) : null, System.Data.DbType.Int32);
            parameters.Add("a" + n, Milliseconds(change.AvailabilityAt), System.Data.DbType.Int64);
            parameters.Add("l" + n, StoreRows.ToMilliseconds(change.LastSeenAt), System.Data.DbType.Int64);
            parameters.Add("j" + n, change.TelemetryJson, System.Data.DbType.String);
            parameters.Add("t" + n, Milliseconds(change.TelemetryAt), System.Data.DbType.Int64);
        }
        sql.Append(UpsertSubDeviceStatusesTail);
        await connection.ExecuteAsync(Command(sql.ToString(), parameters, transaction, cancellationToken)).ConfigureAwait(false);
    }

    private static long? Milliseconds(DateTimeOffset? time) => time is { } t ? StoreRows.ToMilliseconds(t) : null;

    private static RelayCursorRecord ReadRelayCursor(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), StoreRows.FromMilliseconds(r.GetInt64(4)));

    private static SubDeviceStatusRecord ReadSubDeviceStatus(DbDataReader r) =>
        new(
            r.GetString(0),
            r.IsDBNull(1) ? null : r.GetInt32(1) != 0,
            OptionalTime(r, 2),
            OptionalTime(r, 3),
            r.IsDBNull(4) ? null : r.GetString(4),
            OptionalTime(r, 5));

    private static DateTimeOffset? OptionalTime(DbDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : StoreRows.FromMilliseconds(r.GetInt64(ordinal));

    /// <summary>One sub-device's change: the newest availability, telemetry and last-seen of several activities.</summary>
    private sealed record Merged(string Did, DateTimeOffset LastSeenAt, bool? Online, DateTimeOffset? AvailabilityAt, string? TelemetryJson, DateTimeOffset? TelemetryAt)
    {
        public static Merged From(SubDeviceActivity a) => new(
            a.Did,
            a.At,
            a.Online,
            a.Online is null ? null : a.At,
            a.IsTelemetry ? a.TelemetryJson : null,
            a.IsTelemetry ? a.At : null);

        // Later entries win ties: they came later in the stream.
        public Merged With(Merged next)
        {
            var availability = next.AvailabilityAt is { } na && (AvailabilityAt is not { } a || na >= a);
            var telemetry = next.TelemetryAt is { } nt && (TelemetryAt is not { } t || nt >= t);
            return new Merged(
                Did,
                next.LastSeenAt > LastSeenAt ? next.LastSeenAt : LastSeenAt,
                availability ? next.Online : Online,
                availability ? next.AvailabilityAt : AvailabilityAt,
                telemetry ? next.TelemetryJson : TelemetryJson,
                telemetry ? next.TelemetryAt : TelemetryAt);
        }
    }
}

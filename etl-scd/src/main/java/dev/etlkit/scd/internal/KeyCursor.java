package dev.etlkit.scd.internal;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;

/**
 * Where a key's history stands at some point in effective time: the version in force there (none, a
 * live version or a delete marker: its validFrom, number and attributes) and the number of versions
 * so far. Two of them per key:
 *
 * <ul>
 *   <li>the <b>cursor</b> ({@code cursor} state): after all kept changes, so the version in force
 *       is the current one; it also holds the key's latest effective time, its prune point (changes
 *       before it are summarized by the base) and, for append output, the validTo of the earliest
 *       closed version not emitted yet, and with state TTL when it was last written and when its
 *       cleanup timer fires;
 *   <li>the <b>base</b> ({@code base} state): just before the prune point, the start of every
 *       replay (its last three fields unused).
 * </ul>
 *
 * <p>A Flink POJO (see {@link StoredChange}); class and field names are part of the savepoint
 * layout: never rename them.
 */
@Internal
public final class KeyCursor<T> {

  /** No version in force: never inserted, or deleted with {@code INVALIDATE}. */
  public static final byte NONE = 0;

  /** A live version is in force. */
  public static final byte LIVE = 1;

  /** A delete marker ({@code NEW_RECORD}) is in force. */
  public static final byte DELETED = 2;

  /** {@link #NONE}, {@link #LIVE} or {@link #DELETED}. */
  public byte status;

  /** Start of the version in force (unused for {@link #NONE}). */
  public long validFrom;

  /** Number of the version in force; for {@link #NONE}, the number of versions so far. */
  public long version;

  /** Attributes of the version in force (null for {@link #NONE}). */
  @Nullable public T row;

  /** Cursor only: the key's latest accepted effective time. */
  public long latest;

  /** Cursor only: changes before it are pruned and summarized by the base. */
  public long pruneTime;

  /**
   * Cursor only, append output: validTo of the earliest closed version not emitted yet, {@code
   * Long.MAX_VALUE} if none.
   */
  public long pendingFinal;

  /** Cursor only, with state TTL: processing time of the last write of the key's state. */
  public long lastWrite;

  /** Cursor only, with state TTL: time of the key's registered cleanup timer, 0 if none. */
  public long cleanupAt;

  /** For Flink's POJO serializer. */
  public KeyCursor() {}

  /** The cursor of a key's first change at {@code time}: nothing before it. */
  static <T> KeyCursor<T> first(long time) {
    KeyCursor<T> cursor = new KeyCursor<>();
    cursor.status = NONE;
    cursor.latest = time;
    cursor.pruneTime = time;
    cursor.pendingFinal = Long.MAX_VALUE;
    return cursor;
  }

  /** The base of a key nothing was pruned of. */
  static <T> KeyCursor<T> emptyBase() {
    KeyCursor<T> base = new KeyCursor<>();
    base.status = NONE;
    return base;
  }

  /** Copies the version in force from a replay's end. */
  void setPosition(byte newStatus, long newValidFrom, long newVersion, @Nullable T newRow) {
    status = newStatus;
    validFrom = newValidFrom;
    version = newVersion;
    row = newRow;
  }

  /** The type information of cursors with attributes of {@code valueType}. */
  public static <T> TypeInformation<KeyCursor<T>> typeInfo(TypeInformation<T> valueType) {
    List<PojoField> fields = new ArrayList<>();
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "cleanupAt"), Types.LONG));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "lastWrite"), Types.LONG));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "latest"), Types.LONG));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "pendingFinal"), Types.LONG));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "pruneTime"), Types.LONG));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "row"), valueType));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "status"), Types.BYTE));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "validFrom"), Types.LONG));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "version"), Types.LONG));
    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeInformation<KeyCursor<T>> type =
        (TypeInformation) new PojoTypeInfo<>(KeyCursor.class, fields);
    return type;
  }

  @Override
  public String toString() {
    return "KeyCursor{status="
        + status
        + ", validFrom="
        + validFrom
        + ", version="
        + version
        + ", latest="
        + latest
        + ", pruneTime="
        + pruneTime
        + ", pendingFinal="
        + pendingFinal
        + ", lastWrite="
        + lastWrite
        + ", cleanupAt="
        + cleanupAt
        + "}";
  }
}

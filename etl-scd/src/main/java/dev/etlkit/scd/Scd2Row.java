package dev.etlkit.scd;

import dev.etlkit.scd.internal.Scd2RowTypeInfoFactory;
import dev.etlkit.scd.internal.VersionIds;
import java.time.Instant;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * One version of an entity in a slowly changing dimension (SCD Type 2): the entity's attributes as
 * they were during the half-open validity interval {@code [validFrom, validTo)}, with the business
 * key, the version's number and a deterministic version id.
 *
 * <ul>
 *   <li>{@link #key()}: the business key, as the step's key selector returned it.
 *   <li>{@link #value()}: the attributes of the entity in this version.
 *   <li>{@link #validFrom()}: the effective time of the change that opened the version (UTC
 *       instant, millisecond precision), inclusive.
 *   <li>{@link #validTo()}: the effective time of the change that closed it, exclusive; for the
 *       current version null, or the step's {@code validToCurrent} sentinel (such as {@link
 *       Scd2#END_OF_TIME}).
 *   <li>{@link #isCurrent()}: true for the key's open-ended version (at most one per key).
 *   <li>{@link #version()}: 1 for the key's first version, counting up in validity order.
 *   <li>{@link #isDeleted()}: true for the marker version a hard delete opens under {@link
 *       HardDeletes#NEW_RECORD}; it carries the attributes of the version the delete closed.
 *   <li>{@link #versionId()}: {@link #versionIdOf(String, Instant)} of key and validFrom, so the
 *       same version has the same id in every run, JVM and restore.
 * </ul>
 *
 * <p>Immutable. A version is identified by its key and validFrom (the primary key of an upsert
 * sink); its other fields can change while it is within the step's lateness horizon (a late change
 * closes it earlier, a Type-1 change overwrites its attributes, an insertion before it renumbers
 * it). Declare streams of it with {@link #typeInfo(TypeInformation)}: a real serializer with a
 * versioned snapshot, no Kryo.
 *
 * @param <T> the entity's attribute type
 */
@PublicEvolving
@TypeInfo(Scd2RowTypeInfoFactory.class)
public final class Scd2Row<T> {

  private final String key;
  private final T value;
  private final long validFrom;
  private final long validTo;
  private final boolean hasValidTo;
  private final boolean current;
  private final long version;
  private final boolean deleted;
  @Nullable private transient String versionId;

  private Scd2Row(
      String key,
      T value,
      long validFrom,
      long validTo,
      boolean hasValidTo,
      boolean current,
      long version,
      boolean deleted) {
    this.key = Objects.requireNonNull(key, "key");
    this.value = Objects.requireNonNull(value, "value");
    this.validFrom = validFrom;
    this.validTo = validTo;
    this.hasValidTo = hasValidTo;
    this.current = current;
    this.version = version;
    this.deleted = deleted;
  }

  /**
   * A version row. Times are epoch milliseconds (UTC).
   *
   * @param validToMillis the exclusive end, or null for an open end (current versions only)
   * @throws IllegalArgumentException if {@code validTo} is not after {@code validFrom}, {@code
   *     version} is below 1, or a version that is not current has no {@code validTo}
   */
  public static <T> Scd2Row<T> of(
      String key,
      T value,
      long validFromMillis,
      @Nullable Long validToMillis,
      boolean current,
      long version,
      boolean deleted) {
    return ofMillis(
        key,
        value,
        validFromMillis,
        validToMillis == null ? 0L : validToMillis,
        validToMillis != null,
        current,
        version,
        deleted);
  }

  /**
   * A version row with its end given unboxed ({@code validToMillis} is ignored unless {@code
   * hasValidTo}): the step's own factory, which makes several rows per change.
   *
   * @throws IllegalArgumentException as {@link #of}
   */
  @Internal
  public static <T> Scd2Row<T> ofMillis(
      String key,
      T value,
      long validFromMillis,
      long validToMillis,
      boolean hasValidTo,
      boolean current,
      long version,
      boolean deleted) {
    if (hasValidTo && validToMillis <= validFromMillis) {
      throw new IllegalArgumentException(
          "validTo must be after validFrom, was "
              + Instant.ofEpochMilli(validToMillis)
              + " <= "
              + Instant.ofEpochMilli(validFromMillis));
    }
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, was " + version);
    }
    if (!hasValidTo && !current) {
      throw new IllegalArgumentException("a version that is not current must have a validTo");
    }
    return new Scd2Row<>(
        key,
        value,
        validFromMillis,
        hasValidTo ? validToMillis : 0L,
        hasValidTo,
        current,
        version,
        deleted);
  }

  /** The type information of {@code Scd2Row<T>} for the given attribute type. */
  public static <T> TypeInformation<Scd2Row<T>> typeInfo(TypeInformation<T> valueType) {
    return new Scd2RowTypeInfo<>(valueType);
  }

  /**
   * The version id of the version of {@code key} valid from {@code validFrom}: the lowercase hex
   * MD5 (32 characters) of the UTF-8 bytes of {@code key + "|" + validFrom.toEpochMilli()}, the
   * epoch milliseconds written in decimal. In PostgreSQL: {@code md5(key || '|' || (extract(epoch
   * from valid_from) * 1000)::bigint)}. Like dbt's {@code dbt_scd_id}: an id, not a secret. A key
   * that is not valid Unicode (an unpaired surrogate, which no database text column holds) has the
   * surrogate encoded as its 3-byte form (generalized UTF-8, WTF-8) rather than as {@code '?'}, so
   * its ids are its own; for every other key the bytes are its UTF-8.
   */
  public static String versionIdOf(String key, Instant validFrom) {
    return VersionIds.of(key, validFrom.toEpochMilli());
  }

  /** The business key. */
  public String key() {
    return key;
  }

  /** The entity's attributes in this version. */
  public T value() {
    return value;
  }

  /** Start of validity, inclusive. */
  public Instant validFrom() {
    return Instant.ofEpochMilli(validFrom);
  }

  /** Start of validity in epoch milliseconds. */
  public long validFromMillis() {
    return validFrom;
  }

  /** End of validity, exclusive; null when open-ended and the step writes null for it. */
  @Nullable
  public Instant validTo() {
    return hasValidTo ? Instant.ofEpochMilli(validTo) : null;
  }

  /** End of validity in epoch milliseconds, or null (see {@link #validTo()}). */
  @Nullable
  public Long validToMillis() {
    return hasValidTo ? validTo : null;
  }

  /** True for the key's current (open-ended) version. */
  public boolean isCurrent() {
    return current;
  }

  /** The version's number: 1 for the key's first, counting up in validity order. */
  public long version() {
    return version;
  }

  /** True for a delete marker ({@link HardDeletes#NEW_RECORD}). */
  public boolean isDeleted() {
    return deleted;
  }

  /** The deterministic id of this version: {@link #versionIdOf(String, Instant)}. */
  public String versionId() {
    String id = versionId;
    if (id == null) {
      id = VersionIds.of(key, validFrom);
      versionId = id;
    }
    return id;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Scd2Row)) {
      return false;
    }
    Scd2Row<?> that = (Scd2Row<?>) o;
    return validFrom == that.validFrom
        && validTo == that.validTo
        && hasValidTo == that.hasValidTo
        && current == that.current
        && version == that.version
        && deleted == that.deleted
        && key.equals(that.key)
        && Objects.deepEquals(value, that.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, validFrom, validTo, hasValidTo, current, version, deleted);
  }

  /**
   * Prints key, interval, flags and attributes. etlkit never logs records; do not log them from
   * your code either, attributes may hold personal data.
   */
  @Override
  public String toString() {
    return key
        + " v"
        + version
        + " ["
        + validFrom()
        + ", "
        + (hasValidTo ? validTo().toString() : "null")
        + ")"
        + (current ? " current" : "")
        + (deleted ? " deleted" : "")
        + " "
        + value;
  }
}

package dev.etlkit.operators.enrich.jdbc;

import dev.etlkit.operators.enrich.PartialLookupException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * The keys of one batched lookup ({@link JdbcLookup#lookupAll}), as its statements ask for them and
 * as their rows answer them: each distinct bound value sent once and answering every key bound to
 * it, a key the binder cannot bind failing alone, and a failure of the query failing each queried
 * key beside those.
 */
final class BatchKeys<K, V> {
  private final Object[] keys;
  private final KeyRows<K, V> keyRows;
  private final LookupStatements statements;
  private final boolean anyArray;

  /** The distinct keys of the call and those the binder could not bind; set by {@link #bind}. */
  @Nullable private Set<K> wanted;

  @Nullable private Map<K, Throwable> unbindable;

  /** The distinct bound values, the first {@link #sent} of them to be sent. */
  @Nullable private Object[] bound;

  private int sent;

  /** Each key's bound value's identity, and the keys of each identity. */
  @Nullable private Map<K, Object> identities;

  @Nullable private Map<Object, List<K>> keysOf;

  /**
   * Whether a row read back a key bound to a value the call did not send: the database compares the
   * key column otherwise than {@link BoundValues} (a case-insensitive collation, blank-padded
   * {@code char(n)}), so the keys left without a row are asked alone.
   */
  private boolean foreignRows;

  BatchKeys(Object[] keys, KeyRows<K, V> keyRows, LookupStatements statements, boolean anyArray) {
    this.keys = keys;
    this.keyRows = keyRows;
    this.statements = statements;
    this.anyArray = anyArray;
  }

  /**
   * Binds the keys; returns how many distinct bound values are to be sent, by {@link #prepare}
   * statements of values {@code from..to} of them.
   */
  @SuppressWarnings("unchecked")
  int bind() {
    Set<K> wanted = new LinkedHashSet<>();
    for (Object k : keys) {
      wanted.add((K) k);
    }
    this.wanted = wanted;
    // The distinct bound values, without those no row can match (see sendable), each sent once
    // and answering every key bound to it. A key the binder cannot bind fails alone: the others
    // are queried.
    Object[] bound = new Object[wanted.size()];
    this.bound = bound;
    int n = 0;
    Map<K, Object> identities = new HashMap<>();
    this.identities = identities;
    Map<Object, List<K>> keysOf = new HashMap<>();
    this.keysOf = keysOf;
    Map<K, Throwable> unbindable = null;
    for (K k : wanted) {
      Object value;
      try {
        value = keyRows.bind(k);
      } catch (JdbcLookupException e) {
        if (unbindable == null) {
          unbindable = new HashMap<>();
          this.unbindable = unbindable;
        }
        unbindable.put(k, e);
        continue;
      }
      if (!keyRows.sendable(value)) {
        continue;
      }
      Object identity = BoundValues.identity(value);
      identities.put(k, identity);
      List<K> same = keysOf.get(identity);
      if (same == null) {
        same = new ArrayList<>(1);
        keysOf.put(identity, same);
        bound[n++] = value;
      }
      same.add(k);
    }
    sent = n;
    return n;
  }

  /** The statement asking for the bound values {@code from..to} (exclusive). */
  PreparedStatement prepare(Connection connection, int from, int to) throws SQLException {
    int count = to - from;
    if (count == 1) {
      PreparedStatement statement = connection.prepareStatement(statements.single());
      statement.setObject(1, bound[from]);
      return statement;
    }
    if (anyArray) {
      Array array =
          connection.createArrayOf(keyRows.sqlType(), Arrays.copyOfRange(bound, from, to));
      PreparedStatement statement = connection.prepareStatement(statements.anyArray());
      statement.setArray(1, array);
      return statement;
    }
    PreparedStatement statement = connection.prepareStatement(statements.inList(count));
    int size = statements.inListSize(count);
    for (int i = 0; i < size; i++) {
      // Padding repeats the last key: the statement text stays one of a few.
      statement.setObject(i + 1, bound[Math.min(from + i, to - 1)]);
    }
    return statement;
  }

  /**
   * Gives each row to the keys bound to the value its key binds to: the key read back from the row
   * is bound again unless it is one of the call's, so that a key whose binder changes it (a
   * lower-casing one, say) finds the row its single lookup finds. A row no key of the call is bound
   * as (or whose key the binder cannot bind) marks the batch: its keys left without a row are asked
   * alone ({@link #unansweredIfForeignRows}).
   */
  void collect(ResultSet rows, Map<K, V> found) throws SQLException {
    int keyColumn = keyRows.keyColumn(rows);
    while (rows.next()) {
      K k = keyRows.readKey(rows, keyColumn);
      if (k == null) {
        continue;
      }
      List<K> same = keysBoundAs(k);
      // The first row of a value wins; a row of a value not sent is the database matching
      // otherwise: noted, so that the keys left without a row are asked alone.
      if (same == null) {
        foreignRows = true;
      } else if (!found.containsKey(same.get(0))) {
        V value = keyRows.map(rows);
        for (K each : same) {
          found.put(each, value);
        }
      }
    }
  }

  /**
   * The call's keys bound to the value {@code k} (a key read back from a row) binds to; null when
   * none is, or when the binder throws for {@code k}: then nothing tells which keys the row
   * answers, and it counts as a row of a value not sent.
   */
  @Nullable
  private List<K> keysBoundAs(K k) {
    Object identity;
    if (identities.containsKey(k)) {
      identity = identities.get(k);
    } else {
      try {
        identity = BoundValues.identity(keyRows.bind(k));
      } catch (JdbcLookupException e) {
        return null;
      }
    }
    return identity == null ? null : keysOf.get(identity);
  }

  /**
   * The sent values to ask alone after the batch's statements: none when every row read back a key
   * bound to a sent value; else those no row answered, as the database's comparison may find a row
   * for them that reads back as another key (a single lookup takes the first row it finds, as
   * {@link #collectAlone} does).
   */
  List<Object> unansweredIfForeignRows(Map<K, V> found) {
    if (!foreignRows) {
      return List.of();
    }
    List<Object> alone = new ArrayList<>();
    for (int i = 0; i < sent; i++) {
      if (!found.containsKey(keysOf.get(BoundValues.identity(bound[i])).get(0))) {
        alone.add(bound[i]);
      }
    }
    return alone;
  }

  /** Gives the first row of {@code value}'s single lookup to every key bound to that value. */
  void collectAlone(Object value, ResultSet rows, Map<K, V> found) throws SQLException {
    if (rows.next()) {
      V row = keyRows.map(rows);
      for (K each : keysOf.get(BoundValues.identity(value))) {
        found.put(each, row);
      }
    }
  }

  /** The call's answer: the keys found or, when some could not be bound, a partial failure. */
  Map<K, V> answer(Map<K, V> found) {
    if (unbindable != null) {
      throw PartialLookupException.of(found, unbindable);
    }
    return found;
  }

  /**
   * What the call fails with: when some keys could not be bound, each queried key fails with {@code
   * failure}, each unbound key with its own, in a {@link PartialLookupException}; else (an Error,
   * or the one {@link #answer} threw) {@code failure} as it is.
   */
  Throwable failure(Throwable failure) {
    Map<K, Throwable> own = unbindable;
    if (own == null
        || wanted == null
        || failure instanceof Error
        || failure instanceof PartialLookupException) {
      return failure;
    }
    Map<K, Throwable> each = new HashMap<>();
    for (K k : wanted) {
      each.put(k, failure);
    }
    each.putAll(own);
    return PartialLookupException.of(Map.of(), each);
  }
}

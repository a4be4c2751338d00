package dev.etlkit.scd;

import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * An {@link Account} as a mutable POJO, as an upstream that reuses its output object emits it:
 * {@link #reusing()} refills one instance for every record, as Flink's POJO deserializer does with
 * object reuse.
 */
public final class MutableAccount {

  public static final TypeInformation<MutableAccount> TYPE =
      TypeInformation.of(MutableAccount.class);

  public String id;
  public String plan;
  public String email;
  public String note;

  public MutableAccount() {}

  /** The account's columns in a new object. */
  public static MutableAccount of(Account account) {
    MutableAccount a = new MutableAccount();
    a.id = account.id();
    a.plan = account.plan();
    a.email = account.email();
    a.note = account.note();
    return a;
  }

  /** An upstream that emits one account object for every record. */
  public static UnaryOperator<MutableAccount> reusing() {
    MutableAccount reused = new MutableAccount();
    return reused::fill;
  }

  /** Makes this account hold what {@code other} holds; returns this account. */
  public MutableAccount fill(MutableAccount other) {
    id = other.id;
    plan = other.plan;
    email = other.email;
    note = other.note;
    return this;
  }

  public String id() {
    return id;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MutableAccount a
        && Objects.equals(id, a.id)
        && Objects.equals(plan, a.plan)
        && Objects.equals(email, a.email)
        && Objects.equals(note, a.note);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, plan, email, note);
  }

  @Override
  public String toString() {
    return id + ":" + plan + "/" + email + "/" + note;
  }
}

package dev.etlkit.scd;

import java.util.Map;
import java.util.function.Function;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** The entity of generated histories: small value domains, so no-ops and repeats are common. */
public record Account(String id, String plan, String email, String note) {

  public static final TypeInformation<Account> TYPE = TypeInformation.of(Account.class);

  /** Every column by name, for {@link Scd2Reference#ofColumns}. */
  public static final Map<String, Function<Account, Object>> COLUMNS =
      Map.of(
          "id", Account::id,
          "plan", Account::plan,
          "email", Account::email,
          "note", Account::note);

  @Override
  public String toString() {
    return id + ":" + plan + "/" + email + "/" + note;
  }
}

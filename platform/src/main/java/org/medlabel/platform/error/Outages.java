package org.medlabel.platform.error;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import org.medlabel.platform.http.ServiceUnavailableException;

/**
 * Whether a failure is an outage of something a service depends on (a database, another service, the object store
 * being restarted or unreachable) rather than a fault of the request or the data: outages are worth retrying later.
 */
public final class Outages {

    private Outages() {}

    /**
     * Whether the cause is a connection the database refused or dropped: SQL state class 08 (connection exception),
     * 57P (operator intervention: shutdown, restart, cannot connect now) or 53 (too many connections).
     */
    public static boolean databaseUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The database unreachable, a refused or timed-out connection, or a dependency that said it is unavailable. */
    public static boolean isOutage(Throwable e) {
        if (databaseUnreachable(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof SocketTimeoutException
                    || t instanceof HttpTimeoutException
                    || t instanceof ServiceUnavailableException) {
                return true;
            }
        }
        return false;
    }
}

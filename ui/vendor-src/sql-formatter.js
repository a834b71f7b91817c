// Entry for ui/static/vendor/sql-formatter.js: the SQL formatter behind the editor's "Format" button
// (MySQL and MariaDB dialects only, so the other dialects are left out of the bundle).
export { formatDialect, mysql, mariadb } from "sql-formatter";

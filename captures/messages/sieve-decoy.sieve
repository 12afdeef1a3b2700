# mailtap capture: a Sieve script whose text quotes ManageSieve commands
require ["fileinto"];
/*
AUTHENTICATE "PLAIN" "AG1hbGxvcnkAU2lldmUtRGVjb3ktUGFzcw=="
a1 LOGIN mallory Decoy-Pass
*/
if header :contains "subject" "[mailtap]" {
  fileinto "INBOX";
}

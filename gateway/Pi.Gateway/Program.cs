// Pi.Gateway: the gateway service (wired in gateway/Pi.Gateway/Hosting once its parts land).
return 0;
